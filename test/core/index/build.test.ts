import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorpusError, EmbeddingsError } from '../../../src/core/errors.js';
import { buildIndex, type BuildProgress } from '../../../src/core/index/build.js';
import { loadIndex, type CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { DescribedEmbeddings, type EmbeddingsInfo } from '../../../src/core/index/embeddings/provider.js';
import { LexicalIndex } from '../../../src/core/index/lexical.js';
import { chunkSearchText } from '../../../src/core/index/segment.js';
import {
  ARTICLE_PATH,
  COPPER,
  FailingEmbeddings,
  GLOVE_TIMEOUT,
  HashEmbeddings,
  loadGlove,
  makeTempDir,
  removeTempDirs,
  snapshotDir,
} from '../../helpers/core.js';

afterEach(removeTempDirs);

const FOOTBALL =
  '# Cup Final Ends in a Draw\n\nThe cup final ended in a draw after extra time. Fans were left frustrated.\n\n## Replay\n\nA replay is set for next week.\n';
const WEATHER = 'Heavy rain is expected over the weekend. Forecasters warned of flooding in low areas.\n';

interface Workspace {
  corpusDir: string;
  indexDir: string;
  parent: string;
}

async function workspace(files: Record<string, string>): Promise<Workspace> {
  const parent = await makeTempDir('verbatim-build-');
  const corpusDir = path.join(parent, 'corpus');
  await mkdir(corpusDir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(corpusDir, name)), { recursive: true });
    await writeFile(path.join(corpusDir, name), content);
  }
  return { corpusDir, indexDir: path.join(parent, 'index'), parent };
}

/** Embeddings that return no numbers at all. */
class EmptyVectorEmbeddings extends DescribedEmbeddings {
  readonly info: EmbeddingsInfo = { provider: 'test', model: 'empty', dimensions: 0 };
  override async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map(() => []);
  }
  override async embedQuery(): Promise<number[]> {
    return [];
  }
}

describe('buildIndex', () => {
  it('reports what it indexed and what it skipped, and saves a loadable index', async () => {
    const ws = await workspace({ 'copper.txt': COPPER, 'sport/football.md': FOOTBALL, 'empty.txt': '' });
    const embeddings = new HashEmbeddings();
    const phases: BuildProgress['phase'][] = [];
    const { index, report } = await buildIndex({ ...ws, embeddings, onProgress: (progress) => phases.push(progress.phase) });
    expect(report).toMatchObject({
      documents: 2,
      added: ['copper.txt', 'sport/football.md'],
      changed: [],
      removed: [],
      unchanged: [],
      reusedDocuments: 0,
      skipped: [{ source: 'empty.txt', reason: 'empty file' }],
    });
    expect(report.chunks).toBe(index.graph.size);
    expect(report.sentences).toBe(index.documents.reduce((sum, doc) => sum + doc.sentences.length, 0));
    expect(report.sentences).toBe(5);
    expect(report.seconds).toBeGreaterThan(0);
    expect(phases[0]).toBe('embedding');
    expect(phases.slice(-2)).toEqual(['indexing', 'saving']);
    expect(index.manifest.skipped).toEqual(report.skipped);
    expect(index.manifest.embeddings).toEqual(embeddings.info);
    // Every chunk and every sentence was embedded once.
    expect(embeddings.embedded).toHaveLength(report.chunks + report.sentences);
    const loaded = await loadIndex(ws.indexDir, embeddings);
    expect(loaded.documents.map((doc) => doc.document.source)).toEqual(['copper.txt', 'sport/football.md']);
  });

  it('does not write anything with save: false', async () => {
    const ws = await workspace({ 'copper.txt': COPPER });
    const { index } = await buildIndex({ ...ws, embeddings: new HashEmbeddings(), save: false });
    expect(index.graph.size).toBeGreaterThan(0);
    await expect(stat(ws.indexDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('throws CorpusError, naming the skipped files, for a corpus with no readable article', async () => {
    const ws = await workspace({ 'empty.txt': '', 'binary.md': '\u0000\u0001' });
    const error = await buildIndex({ ...ws, embeddings: new HashEmbeddings() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as Error).message).toContain('empty.txt: empty file');
    expect((error as Error).message).toContain('binary.md');
    await expect(stat(ws.indexDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a failed build leaves the previous index byte-identical', () => {
  async function withPreviousIndex(): Promise<Workspace & { before: Record<string, string> }> {
    const ws = await workspace({ 'copper.txt': COPPER, 'weather.txt': WEATHER });
    await buildIndex({ ...ws, embeddings: new HashEmbeddings() });
    return { ...ws, before: await snapshotDir(ws.indexDir) };
  }

  async function expectUntouched(ws: Workspace & { before: Record<string, string> }): Promise<void> {
    expect(await snapshotDir(ws.indexDir)).toEqual(ws.before);
    // No temporary `.index.building-…` or `.index.old-…` directory is left next to it.
    expect((await readdir(ws.parent)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(await readdir(ws.parent)).toContain('index');
    await expect(loadIndex(ws.indexDir, new HashEmbeddings())).resolves.toBeDefined();
  }

  it('when the corpus holds only bad files (CorpusError)', async () => {
    const ws = await withPreviousIndex();
    await rm(ws.corpusDir, { recursive: true });
    await mkdir(ws.corpusDir);
    await writeFile(path.join(ws.corpusDir, 'empty.txt'), '');
    await writeFile(path.join(ws.corpusDir, 'latin1.txt'), Buffer.from('caf\xe9', 'latin1'));
    await expect(buildIndex({ ...ws, embeddings: new HashEmbeddings() })).rejects.toBeInstanceOf(CorpusError);
    await expectUntouched(ws);
  });

  it('when the corpus directory is gone (CorpusError)', async () => {
    const ws = await withPreviousIndex();
    await rm(ws.corpusDir, { recursive: true });
    await expect(buildIndex({ ...ws, embeddings: new HashEmbeddings() })).rejects.toBeInstanceOf(CorpusError);
    await expectUntouched(ws);
  });

  it('when the embeddings throw', async () => {
    const ws = await withPreviousIndex();
    await writeFile(path.join(ws.corpusDir, 'new.txt'), 'A brand new article arrived today.\n');
    await expect(buildIndex({ ...ws, embeddings: new FailingEmbeddings() })).rejects.toThrow(/failed on purpose/);
    await expectUntouched(ws);
  });

  it('when the embeddings return empty vectors (EmbeddingsError)', async () => {
    const ws = await withPreviousIndex();
    await expect(buildIndex({ ...ws, embeddings: new EmptyVectorEmbeddings() })).rejects.toBeInstanceOf(EmbeddingsError);
    await expectUntouched(ws);
  });
});

describe('rebuilding with the previous index', () => {
  async function firstBuild(): Promise<{ ws: Workspace; embeddings: HashEmbeddings; index: CorpusIndex }> {
    const ws = await workspace({ 'copper.txt': COPPER, 'sport/football.md': FOOTBALL, 'weather.txt': WEATHER });
    const embeddings = new HashEmbeddings();
    const { index } = await buildIndex({ ...ws, embeddings });
    embeddings.embedded.length = 0;
    return { ws, embeddings, index };
  }

  /** Unit vectors of every chunk and sentence of an index, by document source. */
  function vectorsBySource(index: CorpusIndex): Map<string, { chunks: number[][]; sentences: number[][] }> {
    const result = new Map<string, { chunks: number[][]; sentences: number[][] }>();
    index.documents.forEach((segmented, doc) => {
      const chunks = index.chunkRefs.flatMap((ref, label) => (ref?.doc === doc ? [index.graph.vectorAt(label)] : []));
      const sentences = segmented.sentences.map((_, sentence) => Array.from(index.sentenceVector({ doc, sentence })));
      result.set(segmented.document.source, { chunks, sentences });
    });
    return result;
  }

  function expectSameVectors(actual: CorpusIndex, expected: CorpusIndex): void {
    const a = vectorsBySource(actual);
    const e = vectorsBySource(expected);
    expect([...a.keys()]).toEqual([...e.keys()]);
    for (const [source, vectors] of a) {
      const other = e.get(source)!;
      expect(vectors.chunks.length).toBe(other.chunks.length);
      expect(vectors.sentences.length).toBe(other.sentences.length);
      vectors.chunks.forEach((vector, i) => vector.forEach((value, d) => expect(value).toBeCloseTo(other.chunks[i]![d]!, 5)));
      vectors.sentences.forEach((vector, i) => vector.forEach((value, d) => expect(value).toBeCloseTo(other.sentences[i]![d]!, 5)));
    }
  }

  it('reuses every document when nothing changed, embedding nothing', async () => {
    const { ws, embeddings, index } = await firstBuild();
    const rebuilt = await buildIndex({ ...ws, embeddings, previous: index });
    expect(rebuilt.report).toMatchObject({ added: [], changed: [], removed: [], reusedDocuments: 3 });
    expect(rebuilt.report.unchanged).toEqual(['copper.txt', 'sport/football.md', 'weather.txt']);
    expect(embeddings.embedded).toEqual([]);
    expectSameVectors(rebuilt.index, index);
  });

  it('reports a changed file as changed, embeds only it and reuses the others', async () => {
    const { ws, embeddings, index } = await firstBuild();
    await writeFile(path.join(ws.corpusDir, 'copper.txt'), `${COPPER}Mining stocks also rose.\n`);
    const rebuilt = await buildIndex({ ...ws, embeddings, previous: index });
    expect(rebuilt.report).toMatchObject({
      added: [],
      changed: ['copper.txt'],
      removed: [],
      unchanged: ['sport/football.md', 'weather.txt'],
      reusedDocuments: 2,
    });
    const copper = rebuilt.index.documents.find((doc) => doc.document.source === 'copper.txt')!;
    expect(embeddings.embedded).toHaveLength(copper.chunks.length + copper.sentences.length);
    expect(embeddings.embedded.every((text) => !text.includes('Forecasters') && !text.includes('cup final'))).toBe(true);
    // The reused vectors are the ones a build from scratch computes, document for document.
    const fresh = await buildIndex({ ...ws, embeddings: new HashEmbeddings(), save: false });
    expectSameVectors(rebuilt.index, fresh.index);
    // And the saved index is the one reloaded.
    const loaded = await loadIndex(ws.indexDir, embeddings);
    expect(loaded.documents.find((doc) => doc.document.source === 'copper.txt')!.document.body).toContain('Mining stocks also rose.');
  });

  it('reports a removed file as removed and an added one as added', async () => {
    const { ws, embeddings, index } = await firstBuild();
    await rm(path.join(ws.corpusDir, 'weather.txt'));
    await copyFile(ARTICLE_PATH, path.join(ws.corpusDir, 'budapest.txt'));
    const rebuilt = await buildIndex({ ...ws, embeddings, previous: index });
    expect(rebuilt.report).toMatchObject({
      added: ['budapest.txt'],
      changed: [],
      removed: ['weather.txt'],
      unchanged: ['copper.txt', 'sport/football.md'],
      reusedDocuments: 2,
      documents: 3,
    });
    expect(rebuilt.index.documents.map((doc) => doc.document.source)).toEqual(['budapest.txt', 'copper.txt', 'sport/football.md']);
    const fresh = await buildIndex({ ...ws, embeddings: new HashEmbeddings(), save: false });
    expectSameVectors(rebuilt.index, fresh.index);
  });

  it('reuses nothing from an index built with other embeddings', async () => {
    const { ws, index } = await firstBuild();
    const other = new HashEmbeddings(32);
    const rebuilt = await buildIndex({ ...ws, embeddings: other, previous: index });
    expect(rebuilt.report.reusedDocuments).toBe(0);
    expect(rebuilt.report.unchanged).toHaveLength(3);
    expect(rebuilt.index.dimensions).toBe(32);
    expect(rebuilt.index.sentenceVectors.floats).toBe(32 * rebuilt.report.sentences);
  });
});

describe('the saved corpus file', () => {
  it('loads as the documents and chunk labels that were saved, keys in the same order', async () => {
    const long = Array.from(
      { length: 120 },
      (_, line) => `Line ${line} of the report says ${'that the mine kept working through the night '.repeat(20)}again: \u00e9t\u00e9 \u2014 \u{1F600}.`,
    ).join('\n');
    const ws = await workspace({ 'copper.txt': COPPER, 'long.txt': long, 'sport/football.md': FOOTBALL, 'weather.txt': WEATHER });
    const { index } = await buildIndex({ ...ws, embeddings: new HashEmbeddings() });
    const loaded = await loadIndex(ws.indexDir, new HashEmbeddings());
    // Made on first use: one document read alone, then all of them.
    expect(loaded.documentBySource('weather.txt')?.document.body).toBe(index.documentBySource('weather.txt')?.document.body);
    expect(JSON.stringify(loaded.documents)).toBe(JSON.stringify(index.documents));
    expect(loaded.documents).toEqual(index.documents);
    expect(loaded.chunkLabels).toEqual(index.chunkLabels);
    expect(index.documents.map((_, doc) => loaded.sentenceId({ doc, sentence: 0 }))).toEqual(
      index.documents.map((_, doc) => index.sentenceId({ doc, sentence: 0 })),
    );
  }, 30_000);
});

describe('buildIndex on articles without sentences', () => {
  it('says the articles hold nothing to quote', async () => {
    const corpus = await makeTempDir();
    await writeFile(path.join(corpus, 'only-headings.md'), '# A Title\n\n## A Section\n');
    const error = await buildIndex({ corpusDir: corpus, indexDir: path.join(corpus, 'index'), embeddings: new HashEmbeddings() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as Error).message).toMatch(/hold no sentence to quote/);
  });
});

describe('buildIndex with GloVe', () => {
  // A title, a section whose heading comes again (so a chunk runs across the repeated heading's
  // line), and a list whose lead-in prefixes the chunks that open inside it.
  const STRIKE =
    '# Miners Strike in Chile\n\nWorkers at the largest copper mine walked out on Monday. The union says talks have failed.\n\n' +
    '## Demands\n\nThe union listed its demands to the owners:\n' +
    '- a wage increase of twelve percent for every underground worker\n' +
    '- a shorter working week with two free weekends each month\n' +
    '- new safety inspections of the deepest tunnels by independent engineers\n' +
    "- a bonus paid when the copper price stays above last year's average\n" +
    '- pensions for miners who retire after twenty years of service\n\n' +
    '## Demands\n\nThe owners rejected every demand on Tuesday. Copper prices rose at once.\n';

  it(
    "composes each chunk's vector from its sentences' word sums, as if its text were embedded whole",
    async () => {
      const ws = await workspace({ 'strike.md': STRIKE, 'copper.txt': COPPER });
      const glove = await loadGlove();
      const { index } = await buildIndex({ ...ws, embeddings: glove, save: false });
      const unit = (vector: number[]) => {
        const norm = Math.hypot(...vector) || 1;
        return vector.map((value) => value / norm);
      };
      const strike = index.documents.findIndex((doc) => doc.document.source === 'strike.md');
      const segmented = index.documents[strike]!;
      const texts = segmented.chunks.map((chunk) => chunkSearchText(segmented, chunk));
      // The cases a composed sum must get right are all present.
      expect(texts.some((text) => text.includes('## Demands'))).toBe(true);
      expect(texts.some((text) => text.startsWith('Demands\nThe union listed its demands to the owners: - a shorter'))).toBe(true);
      for (const [doc, { chunks, sentences, document }] of index.documents.entries()) {
        chunks.forEach((chunk, c) => {
          const direct = unit(glove.embed(chunkSearchText(index.documents[doc]!, chunk)));
          const stored = index.graph.vectorAt(index.chunkLabels[doc]![c]!);
          direct.forEach((value, d) => expect(Math.abs(value - stored[d]!)).toBeLessThan(1e-6));
        });
        sentences.forEach((sentence, s) => {
          const direct = unit(glove.embed(document.body.slice(sentence.start, sentence.end)));
          expect(Array.from(index.sentenceVector({ doc, sentence: s }))).toEqual(Array.from(Float32Array.from(direct)));
        });
      }
    },
    GLOVE_TIMEOUT,
  );

  it("indexes each chunk's BM25 terms from its sentences' terms, as if its text were tokenized whole", async () => {
    // Besides STRIKE's list lead-in and repeated heading: quotes closing sentences, a dotted acronym ending one, a word the splitter does not cut at.
    const QUOTES = 'The mayor said "We will rebuild the bridge." Then she left.The crowd cheered. "Soon," she added of the U.S.\nAid arrived.\n';
    const ws = await workspace({ 'strike.md': STRIKE, 'copper.txt': COPPER, 'quotes.txt': QUOTES });
    const { index } = await buildIndex({ ...ws, embeddings: new HashEmbeddings(), save: false });
    const texts: string[] = [];
    index.documents.forEach((segmented, doc) =>
      segmented.chunks.forEach((chunk, c) => (texts[index.chunkLabels[doc]![c]!] = chunkSearchText(segmented, chunk))),
    );
    expect(Buffer.from(index.lexical.toBinary())).toEqual(Buffer.from(LexicalIndex.build(texts).toBinary()));
  });
});
