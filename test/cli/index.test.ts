import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotDir } from '../helpers/core.js';
import { ROOT, runEntry } from '../helpers/entry.js';

/**
 * `npm run index --index DIR` once deleted whatever DIR held (a folder of notes, the corpus, the
 * folder it ran in). These run the command as a user would, on real folders in a temp dir.
 */
describe('npm run index never deletes what it did not write', () => {
  let work: string;
  let corpus: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-index-'));
    corpus = path.join(work, 'corpus');
    await cp(path.join(ROOT, 'corpus'), corpus, { recursive: true });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('refuses a folder of other files with a clear message, exit 1, and leaves every file', async () => {
    const precious = path.join(work, 'precious');
    await mkdir(precious);
    await writeFile(path.join(precious, 'notes.txt'), 'keep');
    const before = await snapshotDir(precious);
    const { code, stdout, stderr } = await runEntry('cli/index-command', { CORPUS_DIR: corpus }, ['--index', precious]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^Error: .*precious is not an index Verbatim wrote \(it holds notes\.txt and no manifest\.json\), so Verbatim will not use, replace or delete it\. Set INDEX_DIR \(or --index\) to a new or empty folder/m,
    );
    expect(stderr).not.toMatch(/npm run index|\n\s+at /);
    expect(await snapshotDir(precious)).toEqual(before);
    expect((await readdir(work)).sort()).toEqual(['corpus', 'precious']);
  }, 60_000);

  it('refuses, as a configuration problem (exit 2), an index path that is or contains the corpus', async () => {
    const articles = await snapshotDir(corpus);
    for (const index of [corpus, work]) {
      const { code, stderr } = await runEntry('cli/index-command', { CORPUS_DIR: corpus }, ['--index', index]);
      expect(code, index).toBe(2);
      expect(stderr).toMatch(/^Configuration problems:\n {2}- INDEX_DIR \(or --index\) (is|contains) the corpus folder \(CORPUS_DIR\)/);
      expect(await snapshotDir(corpus)).toEqual(articles);
    }
    expect((await readdir(work)).sort()).toEqual(['corpus', 'precious']);
  }, 60_000);

  it('still builds into a new folder and replaces its own index', async () => {
    const index = path.join(work, 'index');
    for (let run = 0; run < 2; run++) {
      const { code, stdout } = await runEntry('cli/index-command', { CORPUS_DIR: corpus, INDEX_DIR: index });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Indexed 1 document\(s\)/);
    }
    expect((await readdir(work)).sort()).toEqual(['corpus', 'index', 'precious']);
  }, 60_000);
});
