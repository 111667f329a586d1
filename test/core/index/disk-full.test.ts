import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFullError } from '../../../src/core/errors.js';
import { buildIndex } from '../../../src/core/index/build.js';
import { loadIndex, type CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { CORPUS_DIR, HashEmbeddings, makeTempDir, removeTempDirs } from '../../helpers/core.js';
import { mountSmallDisk } from '../../helpers/small-disk.js';

// A real full file system (tmpfs), so that hnswlib's native writer meets it too.
const disk = await mountSmallDisk(4 * 1024 * 1024);

describe.skipIf(!disk)('a full disk while saving an index or copying its graph', () => {
  const embeddings = new HashEmbeddings();
  let previous: CorpusIndex;
  const fullDisk = disk!;

  beforeAll(async () => {
    ({ index: previous } = await buildIndex({ corpusDir: CORPUS_DIR, indexDir: path.join(fullDisk.dir, 'index'), embeddings }));
    await fullDisk.fill();
  });

  afterAll(async () => {
    await fullDisk.unmount();
    await removeTempDirs();
  });

  it('says "disk full at" the index folder, and leaves the previous index there, whole', async () => {
    const indexDir = path.join(fullDisk.dir, 'index');
    const saving = buildIndex({ corpusDir: CORPUS_DIR, indexDir, embeddings, previous });
    await expect(saving).rejects.toThrow(DiskFullError);
    await expect(saving).rejects.toMatchObject({ directory: indexDir, message: `Disk full at ${indexDir}.`, remedy: 'free-space-and-reindex' });
    const reloaded = await loadIndex(indexDir, embeddings);
    expect(reloaded.manifest.documents).toHaveLength(previous.manifest.documents.length);
    // Its files are read on demand: open, they would keep the small disk busy.
    reloaded.close();
    expect(await readdir(fullDisk.dir)).toEqual(['filler', 'index']);
  });

  it('says "disk full at" TMPDIR, not that the index is corrupted, when the copy of the graph an update works on does not fit there', async () => {
    const indexDir = path.join(await makeTempDir(), 'index');
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = fullDisk.dir;
    try {
      // Same corpus, and the previous index keeps serving: the graph is copied through TMPDIR.
      const updating = buildIndex({ corpusDir: CORPUS_DIR, indexDir, embeddings, previous, save: false });
      await expect(updating).rejects.toThrow(DiskFullError);
      await expect(updating).rejects.toMatchObject({ directory: fullDisk.dir });
    } finally {
      if (tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpdir;
    }
  });
});
