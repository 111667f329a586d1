/**
 * A child process of `npm run bench` that builds one index, or loads one and answers from it,
 * and reports its figures as one JSON line on stdout: the benchmark's own memory and other
 * indexes never pollute the build's peak RSS or the latency of `ask`. Run as
 * `node dist-dev/bench/worker.js '<job JSON>'`.
 */
import { appendFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Document } from '@langchain/core/documents';
import { loadCorpus } from '../src/core/corpus/loader.js';
import { buildIndex, loadPreviousIndex, type BuildProgress } from '../src/core/index/build.js';
import { GloveEmbeddings } from '../src/core/index/embeddings/glove.js';
import { chunkSearchText, segmentDocument } from '../src/core/index/segment.js';
import { Verbatim } from '../src/core/service.js';
import { HnswVectorStore } from '../src/langchain/hnsw-vector-store.js';
import { Bm25Index, ProjectSystem } from './baselines.js';
import { KNOWN_ITEM_ANSWER, knownItemSearch, sampleKnownItems, type KnownItemFigures } from './quality.js';
import { peakRssMb, timeQuestions, type LatencySummary } from './stats.js';
import { runAsProgram } from '../src/cli/run.js';

interface Dirs {
  corpusDir: string;
  indexDir: string;
  cacheDir: string;
}

/** What a worker is asked to do. */
export type WorkerJob =
  /** The project's full build (segment, embed, HNSW + BM25, save). */
  | (Dirs & { mode: 'build' })
  /**
   * Opens the index as the bot does (`Verbatim.open`), then times `ask` over the questions and,
   * when `knownItems` is set, searches for that many known items.
   */
  | (Dirs & { mode: 'query'; questions: string[]; passes: number; knownItems?: number })
  /** Loads the index, then appends a sentence to `file` and reindexes, `reps` times. */
  | (Dirs & { mode: 'reindex'; file: string; reps: number })
  /** BM25 only: MiniSearch over every sentence, saved. */
  | (Dirs & { mode: 'bm25' })
  /** Vectors only: embed chunks and sentences, HNSW over chunks, saved. */
  | (Dirs & { mode: 'vector' });

/** Seconds spent in each phase of a build, from the core's progress events. */
export type Phases = Partial<Record<BuildProgress['phase'], number>>;

export interface BuildFigures {
  seconds: number;
  phases: Phases;
  documents: number;
  chunks: number;
  sentences: number;
  indexBytes: number;
  peakRssMb: number;
  vectorsLoadMs: number;
}

/** An index opened in a process of its own and asked questions. */
export interface QueryFigures {
  /** `Verbatim.open`: load and prepare the index (the word vectors loaded before). */
  loadSeconds: number;
  /** `firstMs`: the first question right after the load (absent from reports made before it was measured). */
  ask: LatencySummary & { questions: number; passes: number; firstMs?: number };
  /** This project's answers ({@link KNOWN_ITEM_ANSWER}) to known-item queries sampled from the index. */
  knownItems?: KnownItemFigures;
  peakRssMb: number;
}

export interface ReindexFigures {
  loadSeconds: number;
  runs: { seconds: number; phases: Phases; reusedDocuments: number; changed: number }[];
  peakRssMb: number;
  /** Where the indexing phase goes, measured apart on the same data. */
}

export type WorkerResult = BuildFigures | ReindexFigures | QueryFigures;

/** Total size of the files in a directory, in bytes. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await directoryBytes(full) : (await stat(full)).size;
  }
  return total;
}

/** Records when each phase starts; `finish` turns that into durations. */
function phaseClock() {
  const started = performance.now();
  const marks: [BuildProgress['phase'] | 'start', number][] = [['start', started]];
  return {
    onProgress(progress: BuildProgress) {
      if (marks[marks.length - 1]![0] !== progress.phase) marks.push([progress.phase, performance.now()]);
    },
    finish(): Phases {
      const end = performance.now();
      const phases: Phases = {};
      // Before the first event the core reads and segments the corpus.
      const named = marks.map(([phase, at]) => [phase === 'start' ? 'reading' : phase, at] as const);
      named.forEach(([phase, at], i) => {
        const next = named[i + 1]?.[1] ?? end;
        phases[phase] = (phases[phase] ?? 0) + (next - at) / 1000;
      });
      return phases;
    },
  };
}

async function build(job: Extract<WorkerJob, { mode: 'build' }>, embeddings: GloveEmbeddings, vectorsLoadMs: number): Promise<BuildFigures> {
  const clock = phaseClock();
  const { report } = await buildIndex({ corpusDir: job.corpusDir, indexDir: job.indexDir, embeddings, onProgress: clock.onProgress });
  const phases = clock.finish();
  return {
    seconds: report.seconds,
    phases,
    documents: report.documents,
    chunks: report.chunks,
    sentences: report.sentences,
    indexBytes: await directoryBytes(job.indexDir),
    peakRssMb: peakRssMb(),
    vectorsLoadMs,
  };
}

async function query(job: Extract<WorkerJob, { mode: 'query' }>, embeddings: GloveEmbeddings): Promise<QueryFigures> {
  const loadStarted = performance.now();
  const verbatim = await Verbatim.open({ corpusDir: job.corpusDir, indexDir: job.indexDir, embeddings });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const ask = await timeQuestions(job.questions, job.passes, (question) => verbatim.ask(question));
  const figures: QueryFigures = { loadSeconds, ask, peakRssMb: peakRssMb() };
  if (job.knownItems) {
    const items = sampleKnownItems(verbatim.index, job.knownItems);
    figures.knownItems = await knownItemSearch(new ProjectSystem(verbatim.index, embeddings, KNOWN_ITEM_ANSWER), items);
  }
  return figures;
}

async function reindex(job: Extract<WorkerJob, { mode: 'reindex' }>, embeddings: GloveEmbeddings): Promise<ReindexFigures> {
  const loadStarted = performance.now();
  // As a reindex's worker loads it: every block read and checked, then updated in place.
  let previous = await loadPreviousIndex(job.indexDir, embeddings, (error) => {
    throw error;
  });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const runs: ReindexFigures['runs'] = [];
  for (let rep = 0; rep < job.reps; rep++) {
    await appendFile(path.join(job.corpusDir, job.file), `\nThe benchmark changed this file, edit number ${rep + 1}.\n`);
    const clock = phaseClock();
    const { index, report } = await buildIndex({
      corpusDir: job.corpusDir,
      indexDir: job.indexDir,
      embeddings,
      ...(previous ? { previous, consumePrevious: true } : {}),
      onProgress: clock.onProgress,
    });
    runs.push({ seconds: report.seconds, phases: clock.finish(), reusedDocuments: report.reusedDocuments, changed: report.changed.length });
    previous = index;
  }
  return { loadSeconds, runs, peakRssMb: peakRssMb() };
}

async function segmentedCorpus(corpusDir: string) {
  const loaded = await loadCorpus(corpusDir);
  return loaded.documents.map((document) => segmentDocument(document));
}

async function bm25(job: Extract<WorkerJob, { mode: 'bm25' }>): Promise<BuildFigures> {
  const started = performance.now();
  const segmented = await segmentedCorpus(job.corpusDir);
  const texts = segmented.flatMap((doc) => doc.sentences.map((sentence) => doc.document.body.slice(sentence.start, sentence.end)));
  const indexed = performance.now();
  const lexical = Bm25Index.build(texts);
  const saved = performance.now();
  await mkdir(job.indexDir, { recursive: true });
  await writeFile(path.join(job.indexDir, 'sentences.lexical.json'), lexical.toJSON());
  const end = performance.now();
  return {
    seconds: (end - started) / 1000,
    phases: { reading: (indexed - started) / 1000, indexing: (saved - indexed) / 1000, saving: (end - saved) / 1000 },
    documents: segmented.length,
    chunks: 0,
    sentences: texts.length,
    indexBytes: await directoryBytes(job.indexDir),
    peakRssMb: peakRssMb(),
    vectorsLoadMs: 0,
  };
}

async function vector(job: Extract<WorkerJob, { mode: 'vector' }>, embeddings: GloveEmbeddings, vectorsLoadMs: number): Promise<BuildFigures> {
  const started = performance.now();
  const segmented = await segmentedCorpus(job.corpusDir);
  const embedding = performance.now();
  const chunkVectors: number[][] = [];
  const sentenceRows: number[][] = [];
  for (const doc of segmented) {
    chunkVectors.push(...(await embeddings.embedDocuments(doc.chunks.map((chunk) => chunkSearchText(doc, chunk)))));
    sentenceRows.push(...(await embeddings.embedDocuments(doc.sentences.map((sentence) => doc.document.body.slice(sentence.start, sentence.end)))));
  }
  const indexing = performance.now();
  const store = new HnswVectorStore(embeddings, { dimensions: embeddings.info.dimensions });
  const documents = segmented.flatMap((doc) =>
    doc.chunks.map(
      (chunk) => new Document({ pageContent: chunkSearchText(doc, chunk), metadata: { source: doc.document.source, start: chunk.start, end: chunk.end } }),
    ),
  );
  await store.addVectors(chunkVectors, documents);
  const dimensions = embeddings.info.dimensions;
  const packed = new Float32Array(sentenceRows.length * dimensions);
  sentenceRows.forEach((row, i) => packed.set(row, i * dimensions));
  const saving = performance.now();
  await mkdir(job.indexDir, { recursive: true });
  await store.save(job.indexDir);
  await writeFile(path.join(job.indexDir, 'sentences.f32'), new Uint8Array(packed.buffer));
  const end = performance.now();
  return {
    seconds: (end - started) / 1000,
    phases: {
      reading: (embedding - started) / 1000,
      embedding: (indexing - embedding) / 1000,
      indexing: (saving - indexing) / 1000,
      saving: (end - saving) / 1000,
    },
    documents: segmented.length,
    chunks: store.size,
    sentences: sentenceRows.length,
    indexBytes: await directoryBytes(job.indexDir),
    peakRssMb: peakRssMb(),
    vectorsLoadMs,
  };
}

/** Runs one job and prints its figures as the last line of stdout. */
export async function runJob(job: WorkerJob): Promise<WorkerResult> {
  if (job.mode === 'bm25') return bm25(job);
  const loadStarted = performance.now();
  const embeddings = await GloveEmbeddings.load(job.cacheDir);
  const vectorsLoadMs = performance.now() - loadStarted;
  if (job.mode === 'build') return build(job, embeddings, vectorsLoadMs);
  if (job.mode === 'vector') return vector(job, embeddings, vectorsLoadMs);
  if (job.mode === 'query') return query(job, embeddings);
  return reindex(job, embeddings);
}

runAsProgram(import.meta.url, async ([job]) => {
  process.stdout.write(`${JSON.stringify(await runJob(JSON.parse(job ?? '{}') as WorkerJob))}\n`);
  return 0;
});
