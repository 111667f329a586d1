import { copyFile, mkdir, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorpusError, IndexMismatchError, InvalidQuestionError, ReindexInProgressError } from '../../src/core/errors.js';
import type { BuildProgress } from '../../src/core/index/build.js';
import { buildIndex } from '../../src/core/index/build.js';
import type { GloveEmbeddings } from '../../src/core/index/embeddings/glove.js';
import { Verbatim } from '../../src/core/service.js';
import {
  ARTICLE_PATH,
  ARTICLE_SOURCE,
  COPPER,
  COPPER_QUESTION,
  GatedEmbeddings,
  GLOVE_TIMEOUT,
  HashEmbeddings,
  loadGlove,
  makeTempDir,
  removeTempDirs,
  snapshotDir,
} from '../helpers/core.js';

const MEETING = 'What did Trump call the meeting?';

let glove: GloveEmbeddings;

beforeAll(async () => {
  glove = await loadGlove();
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

async function workspace(): Promise<{ corpusDir: string; indexDir: string }> {
  const parent = await makeTempDir('verbatim-service-');
  const corpusDir = path.join(parent, 'corpus');
  await mkdir(corpusDir);
  await copyFile(ARTICLE_PATH, path.join(corpusDir, ARTICLE_SOURCE));
  return { corpusDir, indexDir: path.join(parent, 'index') };
}

describe('Verbatim.open', () => {
  it('builds the index when there is none, then loads it without building', async () => {
    const ws = await workspace();
    const phases: BuildProgress['phase'][] = [];
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove }, (progress) => phases.push(progress.phase));
    expect(phases).toContain('embedding');
    expect(phases.at(-1)).toBe('saving');
    expect((await stat(path.join(ws.indexDir, 'manifest.json'))).isFile()).toBe(true);
    expect(verbatim.manifest.documents.map((doc) => doc.source)).toEqual([ARTICLE_SOURCE]);
    expect(verbatim.isReindexing).toBe(false);
    const answer = await verbatim.ask(MEETING);
    expect(answer.citations[0]!.quote).toContain('wasted meeting');

    const again: BuildProgress['phase'][] = [];
    const reopened = await Verbatim.open({ ...ws, embeddings: glove }, (progress) => again.push(progress.phase));
    expect(again).toEqual([]);
    expect(reopened.manifest.builtAt).toBe(verbatim.manifest.builtAt);
    expect(await reopened.ask(MEETING)).toEqual(answer);
  });

  it('does not rebuild silently over an index of other embeddings', async () => {
    const ws = await workspace();
    await buildIndex({ ...ws, embeddings: new HashEmbeddings() });
    const before = await snapshotDir(ws.indexDir);
    await expect(Verbatim.open({ ...ws, embeddings: glove })).rejects.toBeInstanceOf(IndexMismatchError);
    expect(await snapshotDir(ws.indexDir)).toEqual(before);
  });

  it('fails with CorpusError when there is no index and no readable article', async () => {
    const ws = await workspace();
    await rm(path.join(ws.corpusDir, ARTICLE_SOURCE));
    await expect(Verbatim.open({ ...ws, embeddings: glove })).rejects.toBeInstanceOf(CorpusError);
  });

  it('passes answer options through', async () => {
    const ws = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove, answer: { maxQuotes: 1 } });
    expect((await verbatim.ask("What are Russia's demands?")).citations).toHaveLength(1);
    await expect(verbatim.ask('')).rejects.toBeInstanceOf(InvalidQuestionError);
  });
});

describe('Verbatim.reindex', () => {
  it('keeps answering from the old index until the new one is swapped in, and allows one reindex at a time', async () => {
    const ws = await workspace();
    const embeddings = new GatedEmbeddings(glove);
    const verbatim = await Verbatim.open({ ...ws, embeddings });
    const oldIndex = verbatim.index;
    expect((await verbatim.ask(COPPER_QUESTION)).abstained).toBe(true);

    await writeFile(path.join(ws.corpusDir, 'copper.txt'), COPPER);
    const gate = embeddings.hold();
    const phases: BuildProgress['phase'][] = [];
    const reindexing = verbatim.reindex((progress) => phases.push(progress.phase));
    await gate.reached;

    // Mid-build: answers keep coming, from the old index.
    expect(verbatim.isReindexing).toBe(true);
    const during = await Promise.all([verbatim.ask(MEETING), verbatim.ask(COPPER_QUESTION), verbatim.ask('Why is peace elusive?')]);
    expect(during[0].abstained).toBe(false);
    expect(during[0].citations[0]!.quote).toContain('wasted meeting');
    expect(during[1]).toEqual({ question: COPPER_QUESTION, abstained: true, citations: [] });
    expect(during[2].abstained).toBe(false);
    expect(verbatim.index).toBe(oldIndex);
    expect(verbatim.manifest.documents).toHaveLength(1);

    // A second reindex is refused while the first runs, and does not disturb it.
    const second = await verbatim.reindex().catch((error: unknown) => error);
    expect(second).toBeInstanceOf(ReindexInProgressError);
    expect((second as Error).message).toMatch(/already running/);
    expect(verbatim.isReindexing).toBe(true);

    gate.release();
    const report = await reindexing;
    expect(report).toMatchObject({ added: ['copper.txt'], changed: [], removed: [], unchanged: [ARTICLE_SOURCE], reusedDocuments: 1 });
    expect(phases.at(-1)).toBe('saving');
    expect(verbatim.isReindexing).toBe(false);
    expect(verbatim.index).not.toBe(oldIndex);
    const copper = await verbatim.ask(COPPER_QUESTION);
    expect(copper.abstained).toBe(false);
    expect(copper.citations[0]!.source).toBe('copper.txt');
    expect(copper.citations[0]!.quote).toContain('Copper prices surged');

    // The lock is released: the next reindex runs and reuses both documents.
    const next = await verbatim.reindex();
    expect(next).toMatchObject({ added: [], changed: [], removed: [], reusedDocuments: 2 });
    // And the saved index is the new one.
    const reopened = await Verbatim.open({ ...ws, embeddings: glove });
    expect(reopened.manifest.documents.map((doc) => doc.source)).toEqual([ARTICLE_SOURCE, 'copper.txt']);
  });

  it('a failed reindex keeps the old index answering and on disk, and releases the lock', async () => {
    const ws = await workspace();
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove });
    const oldIndex = verbatim.index;
    const before = await snapshotDir(ws.indexDir);
    await rm(path.join(ws.corpusDir, ARTICLE_SOURCE));
    await writeFile(path.join(ws.corpusDir, 'empty.txt'), '');
    await expect(verbatim.reindex()).rejects.toBeInstanceOf(CorpusError);
    expect(verbatim.isReindexing).toBe(false);
    expect(verbatim.index).toBe(oldIndex);
    expect((await verbatim.ask(MEETING)).abstained).toBe(false);
    expect(await snapshotDir(ws.indexDir)).toEqual(before);

    await copyFile(ARTICLE_PATH, path.join(ws.corpusDir, 'again.txt'));
    const report = await verbatim.reindex();
    expect(report).toMatchObject({ added: ['again.txt'], removed: [ARTICLE_SOURCE], skipped: [{ source: 'empty.txt', reason: 'empty file' }] });
    expect((await verbatim.ask(MEETING)).citations[0]!.source).toBe('again.txt');
  });

  it('closes the files of the index it replaces: no descriptor keeps a deleted index on disk', async () => {
    const ws = await workspace();
    await Verbatim.open({ ...ws, embeddings: glove });
    // Loaded, not built: its files are open, to be read on demand.
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove });
    const openIndexFiles = async () => {
      const fds = await readdir('/proc/self/fd');
      const targets = await Promise.all(fds.map((fd) => readlink(path.join('/proc/self/fd', fd)).catch(() => '')));
      return targets.filter((target) => target.startsWith(path.dirname(ws.indexDir)));
    };
    expect((await openIndexFiles()).length).toBeGreaterThan(0);
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), COPPER);
    for (let round = 0; round < 2; round++) {
      await verbatim.ask(MEETING);
      await verbatim.reindex();
      expect((await openIndexFiles()).filter((target) => target.endsWith('(deleted)'))).toEqual([]);
    }
    expect((await verbatim.ask(COPPER_QUESTION)).citations[0]!.source).toBe('copper.txt');
  });

  it('reports a changed file and reuses the unchanged one', async () => {
    const ws = await workspace();
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), COPPER);
    const verbatim = await Verbatim.open({ ...ws, embeddings: glove });
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), `${COPPER}Mining shares rose as well.\n`);
    const report = await verbatim.reindex();
    expect(report).toMatchObject({ changed: ['copper.txt'], unchanged: [ARTICLE_SOURCE], reusedDocuments: 1 });
    const answer = await verbatim.ask('What happened to mining shares?');
    expect(answer.citations.map((citation) => citation.quote)).toContain('Mining shares rose as well.');
  });
});

describe('Verbatim.passages', () => {
  let verbatim: Verbatim;
  let body: string;

  beforeAll(async () => {
    verbatim = await Verbatim.open({ ...(await workspace()), embeddings: glove });
    body = (await readFile(ARTICLE_PATH, 'utf8')).slice(' date 2025-10-31 '.length);
  });

  it('returns the sentences around each cited sentence, as in the article', async () => {
    const answer = await verbatim.ask('Why is peace elusive?');
    const citation = answer.citations.find((c) => c.quote.includes('peace remains elusive'))!;
    expect(citation).toBeDefined();
    const [passage] = verbatim.passages([citation.reference]);
    expect(passage).toEqual({
      n: 1,
      title: citation.title,
      section: 'Ukraine says Russia Avoids Diplomacy When Losing Ground',
      before: 'The sudden cancellation of the summit underscores the continuing diplomatic deadlock.',
      quote: 'With neither Moscow nor Kyiv prepared to make concessions, peace remains elusive.',
      after: '(With Reuters Inputs)',
    });

    const [wider] = verbatim.passages([citation.reference], 2);
    expect(wider!.before).toBe(
      '“As soon as long-range mobility became more possible for Ukraine, Russia became less interested in diplomacy,” he said.\n\nThe sudden cancellation of the summit underscores the continuing diplomatic deadlock.',
    );
    expect(body).toContain(`${wider!.before} ${wider!.quote}`);
  });

  it('returns nothing before the first sentence and nothing after the last', async () => {
    const { sentences } = verbatim.index.documents[0]!;
    const cite = (i: number) => ({ documentHash: verbatim.manifest.documents[0]!.hash, sentence: i });
    const [first] = verbatim.passages([cite(0)]);
    expect(first!.before).toBe('');
    expect(first!.after).toBe(body.slice(sentences[0]!.end, sentences[1]!.end).trim());
    const [last] = verbatim.passages([cite(sentences.length - 1)]);
    expect(last!.after).toBe('');
    expect(last!.quote).toBe('(With Reuters Inputs)');
  });

  it('skips references that match no document or sentence of the index, numbering the rest by their place', async () => {
    const answer = await verbatim.ask(MEETING);
    const { reference } = answer.citations[0]!;
    const changed = { ...reference, documentHash: `${reference.documentHash.slice(0, -1)}${reference.documentHash.endsWith('0') ? '1' : '0'}` };
    expect(verbatim.passages([{ ...reference, documentHash: '0'.repeat(64) }])).toEqual([]);
    expect(verbatim.passages([changed])).toEqual([]);
    expect(verbatim.passages([{ ...reference, sentence: 10_000 }])).toEqual([]);
    expect(verbatim.passages([{ ...reference, sentence: 10_000 }, reference]).map((passage) => passage.n)).toEqual([2]);
    const passages = verbatim.passages(answer.citations.map((citation) => citation.reference));
    expect(passages.map((passage) => passage.quote)).toEqual(answer.citations.map((citation) => citation.quote));
  });
});
