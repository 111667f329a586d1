import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runEntry } from '../helpers/entry.js';

const KILLER = pathToFileURL(path.join(ROOT, 'test/helpers/kill-during-save.mjs')).href;

/**
 * `npm run index` killed with SIGKILL during its save (test/helpers/kill-during-save.mjs kills
 * it at one exact step, or makes its last rename fail), then run again, as an admin would after a crash.
 */
describe('npm run index after a kill -9 during its save', () => {
  let work: string;
  let corpus: string;
  /** An index the first, uninterrupted run built. */
  let built: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-leftovers-'));
    corpus = path.join(work, 'corpus');
    await cp(path.join(ROOT, 'corpus'), corpus, { recursive: true });
    built = path.join(work, 'built');
    const { code } = await runEntry('cli/index-command', { CORPUS_DIR: corpus, INDEX_DIR: built });
    expect(code).toBe(0);
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  const cases = [
    {
      step: 'write',
      left: ['building', 'index'],
      line: /^removed 1 leftover\(s\) of interrupted index saves \(\.index\.building-\d+-\d+\), freeing \d+(\.\d)? [kM]B\.$/m,
    },
    {
      step: 'retire',
      left: ['building', 'index'],
      line: /^removed 1 leftover\(s\) of interrupted index saves \(\.index\.building-\d+-\d+\), freeing \d+(\.\d)? [kM]B\.$/m,
    },
    {
      step: 'replace',
      left: ['building', 'old'],
      line: /^recovered the index .*index from \.index\.building-\d+-\d+, a complete copy an interrupted save had left; removed 1 leftover\(s\) of interrupted index saves \(\.index\.old-\d+-\d+\), freeing \d+(\.\d)? [kM]B\.$/m,
    },
    // The new index could not take the old one's place: the old one, renamed away, is kept to be put back.
    { step: 'refuse', left: ['old'], line: /^recovered the index .*index from \.index\.old-\d+-\d+, a complete copy an interrupted save had left\.$/m },
  ];
  for (const { step, left, line } of cases) {
    it(`cleans up on the next run after "${step}", reusing the index instead of rebuilding it`, async () => {
      const folder = path.join(work, step);
      const index = path.join(folder, 'index');
      await cp(built, index, { recursive: true });
      const killed = await runEntry('cli/index-command', { CORPUS_DIR: corpus, INDEX_DIR: index, NODE_OPTIONS: `--import ${KILLER}`, KILL_DURING_SAVE: step });
      if (step === 'refuse') expect(killed.code).toBe(1);
      else expect(killed.code).toBeNull();
      // The killed build's lock stays behind too (the next build takes it over): not a leftover of the save.
      const kinds = (await readdir(folder))
        .filter((name) => name !== '.index.lock')
        .map((name) => /^\.index\.(building|old)-\d+-\d+$/.exec(name)?.[1] ?? name)
        .sort();
      expect(kinds).toEqual(left);

      const { code, stdout, stderr } = await runEntry('cli/index-command', { CORPUS_DIR: corpus, INDEX_DIR: index });
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(line);
      // The previous index was found (recovered when the kill came between the renames): nothing embedded again.
      expect(stdout).toMatch(/added 0, changed 0, removed 0, unchanged 1/);
      expect(await readdir(folder)).toEqual(['index']);
    }, 120_000);
  }
});
