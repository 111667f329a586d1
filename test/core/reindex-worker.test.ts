import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { CorpusError, isVerbatimError } from '../../src/core/errors.js';
import type { BuildProgress } from '../../src/core/index/build.js';
import { Verbatim } from '../../src/core/service.js';
import { ARTICLE_PATH, ARTICLE_SOURCE, HashEmbeddings, makeTempDir, removeTempDirs, snapshotDir } from '../helpers/core.js';

// These tests run the compiled worker (dist/), which `npm test` builds first.

afterAll(removeTempDirs);

const MEETING = 'What did Trump call the meeting?';

/**
 * The longest a first question may hold the event loop: an ordinary answer takes tens of
 * milliseconds, the lexicon of a large corpus made in one go well over a second; the margin
 * is for a loaded machine.
 */
const BLOCK_MS = 500;

async function workspace(): Promise<{ corpusDir: string; indexDir: string }> {
  const parent = await makeTempDir('verbatim-worker-');
  const corpusDir = path.join(parent, 'corpus');
  await mkdir(corpusDir);
  await copyFile(ARTICLE_PATH, path.join(corpusDir, ARTICLE_SOURCE));
  return { corpusDir, indexDir: path.join(parent, 'index') };
}

/** A pathological article: `lines` short lines, each one tiny sentence. */
function shortLines(lines: number): string {
  const words = ['Market', 'River', 'Policy', 'Summit', 'Copper', 'Wheat', 'Energy', 'Vote', 'Court', 'Trade'];
  return Array.from({ length: lines }, (_, i) => `${words[i % words.length]} report ${i}.`).join('\n');
}

describe('Verbatim.reindex in a worker thread', () => {
  it('keeps the event loop responsive and answering while a large file is indexed', async () => {
    const ws = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: new HashEmbeddings() });
    const oldIndex = verbatim.index;
    await writeFile(path.join(ws.corpusDir, 'big.txt'), shortLines(10_000));

    const delay = monitorEventLoopDelay({ resolution: 10 });
    const answeredDuring: boolean[] = [];
    const phases: BuildProgress['phase'][] = [];
    delay.enable();
    const reindexing = verbatim.reindex((progress) => phases.push(progress.phase));
    const asking = (async () => {
      while (verbatim.isReindexing) {
        const answer = await verbatim.ask(MEETING);
        if (verbatim.isReindexing) answeredDuring.push(!answer.abstained && verbatim.index === oldIndex);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const report = await reindexing;
    delay.disable();
    await asking;

    expect(report).toMatchObject({ added: ['big.txt'], unchanged: [ARTICLE_SOURCE], reusedDocuments: 1 });
    expect(report.sentences).toBeGreaterThan(10_000);
    // Progress crossed the thread boundary, in order.
    expect(phases[0]).toBe('embedding');
    expect(phases.at(-1)).toBe('saving');
    // Answers kept coming from the old index during the build, and the loop never stalled.
    expect(answeredDuring.length).toBeGreaterThan(3);
    expect(answeredDuring.every(Boolean)).toBe(true);
    expect(delay.max / 1e6).toBeLessThan(200);
    // Then the new index was swapped in.
    expect(verbatim.index).not.toBe(oldIndex);
    expect(verbatim.manifest.documents.map((doc) => doc.source)).toEqual(['big.txt', ARTICLE_SOURCE]);
    expect((await verbatim.ask('What does Copper report 9994 say?')).citations[0]?.quote).toBe('Copper report 9994.');
  }, 120_000);

  it('answers the first question after opening, and the first after a reindex, without holding the event loop', async () => {
    const ws = await workspace();
    await writeFile(path.join(ws.corpusDir, 'big.txt'), shortLines(30_000));
    const verbatim = await Verbatim.open({ ...ws, embeddings: new HashEmbeddings() });
    /** The longest the event loop waited while `work` ran, in ms (a timer that fires late by the time it was held). */
    const longestBlock = async (work: () => Promise<unknown>) => {
      let longest = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 5);
      await work();
      // Let the timer run once after the work, or a block at its very end goes unseen.
      await new Promise((resolve) => setTimeout(resolve, 30));
      clearInterval(timer);
      return longest;
    };
    // The first question used to make the sentence lexicon of all 30,000 sentences in one go.
    expect(await longestBlock(() => verbatim.ask(MEETING))).toBeLessThan(BLOCK_MS);
    await writeFile(path.join(ws.corpusDir, 'more.txt'), shortLines(1_000));
    await verbatim.reindex();
    expect(await longestBlock(() => verbatim.ask(MEETING))).toBeLessThan(BLOCK_MS);
  }, 120_000);

  it('updates the saved index for a changed file: the new sentence is quoted, the old one is gone', async () => {
    const ws = await workspace();
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), 'Copper prices surged after a strike at a Chilean mine.\n');
    const verbatim = await Verbatim.open({ ...ws, embeddings: new HashEmbeddings() });
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), 'Nickel prices fell after a new smelter opened in Indonesia.\n');
    const report = await verbatim.reindex();
    expect(report).toMatchObject({ changed: ['copper.txt'], unchanged: [ARTICLE_SOURCE], reusedDocuments: 1 });
    expect((await verbatim.ask('Why did nickel prices fall?')).citations[0]?.quote).toBe('Nickel prices fell after a new smelter opened in Indonesia.');
    const copper = await verbatim.ask('Why did copper prices surge?');
    expect(copper.citations.every((citation) => !citation.quote.includes('Copper'))).toBe(true);
    expect(verbatim.index.graph.labelCount).toBeGreaterThan(verbatim.index.graph.size); // updated in place, not rebuilt
  }, 60_000);

  it('a failed build rejects with the named core error and leaves the old index answering and on disk', async () => {
    const ws = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: new HashEmbeddings() });
    const oldIndex = verbatim.index;
    const answer = await verbatim.ask(MEETING);
    const before = await snapshotDir(ws.indexDir);
    await rm(path.join(ws.corpusDir, ARTICLE_SOURCE));
    await writeFile(path.join(ws.corpusDir, 'empty.txt'), '');

    const error = await verbatim.reindex().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CorpusError);
    expect(isVerbatimError(error) && error.forMembers).toBe(false);
    expect((error as CorpusError).name).toBe('CorpusError');
    expect((error as CorpusError).message).toBe(`No readable article (.txt or .md) in ${ws.corpusDir} (1 file(s) skipped: empty.txt: empty file).`);
    expect(verbatim.isReindexing).toBe(false);
    expect(verbatim.index).toBe(oldIndex);
    expect(await verbatim.ask(MEETING)).toEqual(answer);
    expect(await snapshotDir(ws.indexDir)).toEqual(before);
  }, 60_000);

  it('an unexpected failure in the worker comes back as an unexpected error, never as a core one', async () => {
    const ws = await workspace();
    const embeddings = new HashEmbeddings();
    const verbatim = await Verbatim.open({ ...ws, embeddings });
    embeddings.recipe = { ...embeddings.recipe!, exportName: 'noSuchFactory' };
    const error = await verbatim.reindex().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect(isVerbatimError(error)).toBe(false);
    expect((error as Error).message).toMatch(/not a function/);
    expect((await verbatim.ask(MEETING)).abstained).toBe(false);
  }, 60_000);
});
