import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/entry.js';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? sources(path.join(dir, entry.name)) : [path.join(dir, entry.name)])));
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

describe('layering', () => {
  it('keeps the product free of the tests and the benchmark: nothing under src/ or commands/ imports from test/, bench/ or a build folder', async () => {
    for (const folder of ['src', 'commands']) {
      for (const file of await sources(path.join(ROOT, folder))) {
        const text = await readFile(file, 'utf8');
        const imports = [...text.matchAll(/from '([^']+)'|import\(([^)]+)\)/g)].map((match) => match[1] ?? match[2]!);
        for (const specifier of imports) expect(specifier, path.relative(ROOT, file)).not.toMatch(/\/test\/|\/bench\/|dist|^\.\.\/\.\.\/test|^\.\.\/bench/);
      }
    }
  });

  it('keeps the core free of Discord and of the adapters: nothing under src/core imports discord.js, src/discord, src/cli or commands', async () => {
    for (const file of await sources(path.join(ROOT, 'src/core'))) {
      const imports = [...(await readFile(file, 'utf8')).matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
      for (const specifier of imports) {
        expect(specifier, path.relative(ROOT, file)).not.toMatch(/^discord\.js|^@discordjs\/|\/discord\/|\/cli\/|\/commands\//);
      }
    }
  });
});
