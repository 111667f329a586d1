import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runEntry } from '../helpers/entry.js';

describe('an index file altered after the build, where no question may read it', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-block-'));
    env = { CORPUS_DIR: path.join(ROOT, 'corpus'), INDEX_DIR: path.join(work, 'index') };
    expect((await runEntry('cli/index-command', env)).code).toBe(0);
    // The last byte of the lexicon: a load reads its blocks only when a question needs them.
    const file = path.join(env.INDEX_DIR!, 'lexicon.bin');
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(file, bytes);
  }, 60_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('is found by doctor, which reads every byte', async () => {
    const doctor = await runEntry('cli/doctor', env);
    expect(doctor.stdout).toMatch(/^✘ index: .*lexicon\.bin is truncated or altered/m);
    expect(doctor.code).toBe(1);
  }, 30_000);
});
