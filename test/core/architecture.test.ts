import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/entry.js';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sources(path.join(dir, entry.name)) : Promise.resolve([path.join(dir, entry.name)]))),
  );
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

/** A compiled module's static imports and re-exports (`import()` is lazy, and not one of them). */
const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/**
 * Every package that loading `entry` (a compiled file) can load before any lazy `import()`:
 * the packages our modules import statically, and everything those packages depend on (read
 * from their package.json, a superset of what they load).
 */
async function packagesLoadedBy(entry: string): Promise<Set<string>> {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (modules.has(file)) continue;
    modules.add(file);
    for (const match of (await readFile(file, 'utf8')).matchAll(STATIC_IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier));
      else if (!isBuiltin(specifier)) packages.add(packageOf(specifier));
    }
  }
  for (const name of packages) {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) packages.add(dependency);
  }
  return packages;
}

/** esbuild's metafile of a bundle (scripts/bundle.mjs writes one beside each). */
interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

/**
 * Every package a bundled entry point (dist/bundle/<name>.js) can load, lazily or not: the
 * packages bundled into it, the packages it leaves outside and imports, and everything those
 * depend on. The bundle holds what its lazy `import()`s reach too, so this is a superset of
 * what {@link packagesLoadedBy} finds for the unbundled entry point.
 */
async function packagesInBundle(name: string): Promise<Set<string>> {
  const metafile = JSON.parse(await readFile(path.join(ROOT, 'dist/bundle', `${name}.meta.json`), 'utf8')) as Metafile;
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at !== -1) packages.add(packageOf(input.slice(at + 'node_modules/'.length)));
  }
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) if (imported.external && !isBuiltin(imported.path)) packages.add(packageOf(imported.path));
  }
  for (const name of packages) {
    // Optional native speed-ups left outside the bundle (bufferutil, zlib-sync, …) may not be installed.
    const manifestPath = path.join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) packages.add(dependency);
  }
  return packages;
}

describe('what the entry points load', () => {
  it('loads no LangChain package from `ask` or the bot, and no Discord package from `ask` (its cold start pays for every import)', async () => {
    const ask = await packagesLoadedBy(path.join(ROOT, 'dist/src/cli/ask.js'));
    const bot = await packagesLoadedBy(path.join(ROOT, 'dist/src/cli/start.js'));
    expect(ask).toContain('hnswlib-node');
    expect(bot).toContain('discord.js');
    for (const name of [...ask, ...bot]) expect(name).not.toMatch(/^@langchain\//);
    for (const name of ask) expect(name).not.toMatch(/^discord\.js$|^@discordjs\//);
  });

  it('bundles no LangChain package into `ask` or the bot, and no Discord package into `ask` (what `npm run ask` and `npm start` run)', async () => {
    const ask = await packagesInBundle('ask');
    const bot = await packagesInBundle('start');
    expect(ask).toContain('hnswlib-node');
    expect(bot).toContain('discord.js');
    expect(bot).toContain('@discordjs/ws');
    for (const name of [...ask, ...bot]) expect(name).not.toMatch(/^@langchain\//);
    for (const name of ask) expect(name).not.toMatch(/^discord\.js$|^@discordjs\//);
  });

  it('loads LangChain from the LangChain module, which the walk follows into package dependencies', async () => {
    const adapters = await packagesLoadedBy(path.join(ROOT, 'dist/src/langchain/index.js'));
    expect(adapters).toContain('@langchain/core');
    // Reached only through @langchain/core's own dependencies.
    expect(adapters).toContain('langsmith');
  });
});

/** Every import of a source file, static, re-exported or `import()`, relative ones resolved to a path from ROOT. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const specifiers = [...text.matchAll(/\bfrom\s*'([^']+)'|\bimport\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3]!,
  );
  return specifiers.map((specifier) => (specifier.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), specifier)) : specifier));
}

describe('layering', () => {
  it('keeps the product free of the tests and the benchmark: nothing under src/ or commands/ imports from test/, bench/ or a build folder', async () => {
    for (const folder of ['src', 'commands']) {
      for (const file of await sources(path.join(ROOT, folder))) {
        for (const imported of await importsOf(file))
          expect(imported, path.relative(ROOT, file)).not.toMatch(/^(?:test|bench|dist|dist-dev)(?:\/|$)|\/test\/|\/bench\/|dist/);
      }
    }
  });

  it('keeps the Discord layer a library of the commands: nothing under src/discord imports commands/ or the programs (src/cli), whatever the path says', async () => {
    for (const file of await sources(path.join(ROOT, 'src/discord'))) {
      for (const imported of await importsOf(file)) expect(imported, path.relative(ROOT, file)).not.toMatch(/^(?:commands|src\/cli)(?:\/|$)/);
    }
  });

  it('finds such an import when there is one (the check above can fail)', async () => {
    const dir = await mkdtemp(path.join(ROOT, 'src/discord/.arch-'));
    try {
      const file = path.join(dir, 'x.ts');
      await writeFile(file, "import { commands } from '../../../commands/index.js';\nexport const late = () => import('../../../test/helpers/core.js');\n");
      expect(await importsOf(file)).toEqual(['commands/index.js', 'test/helpers/core.js']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the core free of Discord, LangChain and the adapters: nothing under src/core imports discord.js, @langchain, src/discord, src/langchain, src/cli or commands', async () => {
    for (const file of await sources(path.join(ROOT, 'src/core'))) {
      const imports = [...(await readFile(file, 'utf8')).matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
      for (const specifier of imports) {
        expect(specifier, path.relative(ROOT, file)).not.toMatch(/^discord\.js|^@discordjs\/|^@langchain\/|\/discord\/|\/langchain\/|\/cli\/|\/commands\//);
      }
    }
  });
});
