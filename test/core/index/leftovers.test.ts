import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexNotFoundError } from '../../../src/core/errors.js';
import { buildIndex } from '../../../src/core/index/build.js';
import { loadIndex } from '../../../src/core/index/corpus-index.js';
import type { GloveEmbeddings } from '../../../src/core/index/embeddings/glove.js';
import { recoverIndexLeftovers } from '../../../src/core/index/leftovers.js';
import type { IndexManifest } from '../../../src/core/index/manifest.js';
import { Verbatim } from '../../../src/core/service.js';
import { CORPUS_DIR, GLOVE_TIMEOUT, loadGlove, makeTempDir, removeTempDirs, snapshotDir } from '../../helpers/core.js';

let glove: GloveEmbeddings;
/** A complete index of the shipped corpus, copied into each test's folder. */
let pristine: string;
/** The pid of a process that has exited: what a killed save leaves in its names. */
let deadPid: number;

beforeAll(async () => {
  glove = await loadGlove();
  pristine = path.join(await makeTempDir('verbatim-leftovers-'), 'index');
  await buildIndex({ corpusDir: CORPUS_DIR, indexDir: pristine, embeddings: glove });
  const child = spawnSync(process.execPath, ['-e', '']);
  deadPid = child.pid!;
  expect(() => process.kill(deadPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

/** A fresh folder holding only `x`, a copy of the pristine index unless `withIndex` is false. */
async function workspace(withIndex = true): Promise<{ work: string; index: string }> {
  const work = await makeTempDir('verbatim-leftovers-work-');
  const index = path.join(work, 'x');
  if (withIndex) await cp(pristine, index, { recursive: true });
  return { work, index };
}

/** What a save killed after writing some of its files (and no manifest) leaves. */
async function partialSave(dir: string): Promise<void> {
  await mkdir(dir);
  await cp(path.join(pristine, 'chunks.hnsw'), path.join(dir, 'chunks.hnsw'));
  await writeFile(path.join(dir, 'corpus.json'), '{"documents": [');
}

const listing = async (dir: string) => (await readdir(dir)).sort();
const builtAt = async (dir: string) => (JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as IndexManifest).builtAt;

describe('recoverIndexLeftovers', () => {
  it('removes the leftovers of a dead process and keeps those of a live one', async () => {
    const { work, index } = await workspace();
    await partialSave(path.join(work, `.x.building-${deadPid}-1700000000000`));
    await cp(pristine, path.join(work, `.x.old-${deadPid}-1700000000000`), { recursive: true });
    // This process, saving now: a concurrent build that must not lose its folder.
    const live = `.x.building-${process.pid}-${Date.now()}`;
    await partialSave(path.join(work, live));

    const report = await recoverIndexLeftovers(index, { scratchDir: work });
    expect(report.recovered).toBeUndefined();
    expect(report.removed.map((file) => path.basename(file)).sort()).toEqual([`.x.building-${deadPid}-1700000000000`, `.x.old-${deadPid}-1700000000000`]);
    expect(report.freedBytes).toBeGreaterThan(0);
    expect(await listing(work)).toEqual([live, 'x']);
    expect(await snapshotDir(index)).toEqual(await snapshotDir(pristine));
  });

  it('removes what a save of an earlier format version left, docstore included', async () => {
    const { work, index } = await workspace();
    const leftover = path.join(work, `.x.building-${deadPid}-1700000000000`);
    await partialSave(leftover);
    await writeFile(path.join(leftover, 'chunks.docstore.json'), '{"documents": [');
    const report = await recoverIndexLeftovers(index, { scratchDir: work });
    expect(report.removed.map((file) => path.basename(file))).toEqual([path.basename(leftover)]);
    expect(await listing(work)).toEqual(['x']);
  });

  it("treats this process's pid on a folder older than the process as a previous run's (containers reuse pids)", async () => {
    const { work } = await workspace();
    await partialSave(path.join(work, `.x.building-${process.pid}-1700000000000`));
    await recoverIndexLeftovers(path.join(work, 'x'), { scratchDir: work });
    expect(await listing(work)).toEqual(['x']);
  });

  it('puts back the complete new copy when a save was killed between its renames, removing the old one', async () => {
    const { work, index } = await workspace();
    const original = await builtAt(index);
    await rename(index, path.join(work, `.x.old-${deadPid}-1`));
    await cp(pristine, path.join(work, `.x.building-${deadPid}-2`), { recursive: true });

    const lines: string[] = [];
    const phases: string[] = [];
    const verbatim = await Verbatim.open({ corpusDir: CORPUS_DIR, indexDir: index, embeddings: glove, onLeftovers: (line) => lines.push(line) }, (progress) =>
      phases.push(progress.phase),
    );
    expect(phases).toEqual([]);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^recovered the index .*x from \\.x\\.building-${deadPid}-2, .*; removed 1 leftover\\(s\\) of interrupted index saves \\(\\.x\\.old-${deadPid}-1\\), freeing \\d+(\\.\\d)? [kM]B\\.$`,
        ),
      ),
    ]);
    expect(await listing(work)).toEqual(['x']);
    expect(verbatim.manifest.builtAt).toBe(original);
    const answer = await verbatim.ask('Why was the Budapest summit cancelled?');
    expect(answer.abstained).toBe(false);
    expect(answer.citations.map((citation) => citation.quote).join('\n')).toContain('refused to soften its hardline demands');
  });

  it('cleans up before a reindex of a running bot, saying so', async () => {
    const { work, index } = await workspace();
    const lines: string[] = [];
    const verbatim = await Verbatim.open({ corpusDir: CORPUS_DIR, indexDir: index, embeddings: glove, onLeftovers: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    await partialSave(path.join(work, `.x.building-${deadPid}-1`));
    const report = await verbatim.reindex();
    expect(report.unchanged).toHaveLength(1);
    expect(lines).toEqual([expect.stringMatching(/^removed 1 leftover\(s\) of interrupted index saves/)]);
    expect(await listing(work)).toEqual(['x']);
  }, 60_000);

  it('falls back to the old copy when the new one is incomplete', async () => {
    const { work, index } = await workspace();
    await rename(index, path.join(work, `.x.old-${deadPid}-5`));
    await partialSave(path.join(work, `.x.building-${deadPid}-5`));
    const report = await recoverIndexLeftovers(index, { scratchDir: work });
    expect(path.basename(report.recovered!)).toBe(`.x.old-${deadPid}-5`);
    expect(await listing(work)).toEqual(['x']);
    expect(await snapshotDir(index)).toEqual(await snapshotDir(pristine));
  });

  it('removes, and never puts in place, a new copy without a manifest or with a file that does not match it', async () => {
    const { work, index } = await workspace(false);
    await partialSave(path.join(work, `.x.building-${deadPid}-1`));
    const altered = path.join(work, `.x.building-${deadPid}-2`);
    await cp(pristine, altered, { recursive: true });
    await writeFile(path.join(altered, 'corpus.json'), '{"documents": []}');

    const report = await recoverIndexLeftovers(index, { scratchDir: work });
    expect(report.recovered).toBeUndefined();
    expect(report.removed).toHaveLength(2);
    expect(await listing(work)).toEqual([]);
    await expect(loadIndex(index, glove)).rejects.toBeInstanceOf(IndexNotFoundError);
  });

  it('puts the index back where a link to it points', async () => {
    const { work } = await workspace(false);
    const disk = path.join(work, 'disk');
    await mkdir(disk);
    const link = path.join(work, 'x');
    await symlink(path.join(disk, 'real'), link);
    await cp(pristine, path.join(disk, `.real.building-${deadPid}-2`), { recursive: true });
    await recoverIndexLeftovers(link, { scratchDir: work });
    expect(await listing(disk)).toEqual(['real']);
    expect((await loadIndex(link, glove)).manifest.builtAt).toBe(await builtAt(pristine));
  });

  it('removes the graph copies a dead process left in the scratch folder', async () => {
    const { work, index } = await workspace();
    const scratch = path.join(work, 'scratch');
    await mkdir(scratch);
    const live = `clone-${process.pid}-${Date.now()}.hnsw`;
    for (const name of [`clone-${deadPid}-1700000000000.hnsw`, live, 'clone-notes.hnsw']) await writeFile(path.join(scratch, name), 'graph');
    const report = await recoverIndexLeftovers(index, { scratchDir: scratch });
    expect(report.removed).toEqual([path.join(scratch, `clone-${deadPid}-1700000000000.hnsw`)]);
    expect(await listing(scratch)).toEqual([live, 'clone-notes.hnsw'].sort());
  });

  it('leaves alone what is named like a leftover but holds other files, or is a link', async () => {
    const { work, index } = await workspace(false);
    const notes = path.join(work, `.x.building-${deadPid}-1`);
    await partialSave(notes);
    await writeFile(path.join(notes, 'notes.txt'), 'keep');
    const nested = path.join(work, `.x.old-${deadPid}-1`);
    await cp(pristine, nested, { recursive: true });
    await mkdir(path.join(nested, 'photos'));
    const elsewhere = path.join(work, 'elsewhere');
    await cp(pristine, elsewhere, { recursive: true });
    await symlink(elsewhere, path.join(work, `.x.old-${deadPid}-2`));
    const snapshot = async () => Promise.all([notes, nested, elsewhere].map((dir) => snapshotDir(dir)));
    const before = await snapshot();

    const report = await recoverIndexLeftovers(index, { scratchDir: work });
    expect(report).toEqual({ removed: [], freedBytes: 0 });
    expect(await snapshot()).toEqual(before);
    expect(await listing(work)).toEqual([`.x.building-${deadPid}-1`, `.x.old-${deadPid}-1`, `.x.old-${deadPid}-2`, 'elsewhere']);
  });

  it('changes nothing on a dry run', async () => {
    const { work, index } = await workspace();
    await rm(index, { recursive: true });
    await cp(pristine, path.join(work, `.x.building-${deadPid}-2`), { recursive: true });
    await partialSave(path.join(work, `.x.building-${deadPid}-1`));
    const before = await snapshotDir(work);
    const report = await recoverIndexLeftovers(index, { scratchDir: work, dryRun: true });
    expect(path.basename(report.recovered!)).toBe(`.x.building-${deadPid}-2`);
    expect(report.removed).toHaveLength(1);
    expect(await snapshotDir(work)).toEqual(before);
  });
});
