import os from 'node:os';
import type { SkippedFile } from '../corpus/document.js';
import { loadCorpus, type LoadCorpusOptions } from '../corpus/loader.js';
import { CorpusError, EmbeddingsError, IndexNotFoundError, isVerbatimError, type VerbatimError } from '../errors.js';
import { yieldToEventLoop } from '../event-loop.js';
import { AcronymTable } from './acronym-table.js';
import { assertIndexFolderReplaceable, CorpusIndex, loadIndex, saveIndex } from './corpus-index.js';
import { GloveEmbeddings } from './embeddings/glove.js';
import type { DescribedEmbeddings } from './embeddings/provider.js';
import { ChunkGraph, DEFAULT_HNSW, type HnswParameters } from './hnsw-store.js';
import { acquireIndexLock, describeHolder } from './index-lock.js';
import { LexicalIndex, termOccurrences } from './lexical.js';
import { SentenceLexicon } from './sentence-lexicon.js';
import { SentenceVectors } from './sentence-vectors.js';
import { INDEX_FORMAT_VERSION, type IndexManifest } from './manifest.js';
import { chunkSearchText, DEFAULT_CHUNKING, segmentDocument, type ChunkingOptions, type SegmentedDocument } from './segment.js';
import { GraphInWorker } from './worker-graph.js';

/** Where a build is, for progress lines and Discord edits. */
export interface BuildProgress {
  /** `waiting`: another build of the same index is running (see {@link BuildProgress.waitingFor}). */
  phase: 'waiting' | 'reading' | 'embedding' | 'indexing' | 'saving';
  /** While `waiting`: the build that holds the index, as {@link describeHolder} words it. */
  waitingFor?: string;
  documentsDone: number;
  documentsTotal: number;
  chunksDone: number;
  chunksTotal: number;
}

/** What a build did, compared with the index it replaces. */
export interface BuildReport {
  documents: number;
  chunks: number;
  sentences: number;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Documents whose vectors were taken from the previous index instead of embedded again. */
  reusedDocuments: number;
  skipped: SkippedFile[];
  seconds: number;
  /** Why the index saved before could not be updated, so that every article was indexed again (it was damaged, say). */
  previousUnusable?: string;
}

export interface BuildOptions extends LoadCorpusOptions {
  corpusDir: string;
  indexDir: string;
  embeddings: DescribedEmbeddings;
  /** The index being replaced: vectors of documents whose hash is unchanged are reused. */
  previous?: CorpusIndex;
  /**
   * Whether the build may update `previous`'s lexical index in place, because nothing will use
   * `previous` again (a worker that loaded it only for this build). By default it is copied
   * first, since the previous index usually keeps serving during the build. Its graph is always
   * copied: a loaded graph is searched over its file's bytes, and only a copy in hnswlib can change.
   */
  consumePrevious?: boolean;
  onProgress?: (progress: BuildProgress) => void;
  chunking?: ChunkingOptions;
  hnsw?: HnswParameters;
  /** Write the index to `indexDir` (default true). */
  save?: boolean;
  /** Who is building, for another build that waits for this one: `npm run index`, `/reindex`. */
  command?: string;
}

/** How far a build is, as every progress line says it: `embedding — 3/10 documents, 40/100 chunks`. */
export function progressCounts(progress: BuildProgress): string {
  return `${progress.phase} — ${progress.documentsDone}/${progress.documentsTotal} documents, ${progress.chunksDone}/${progress.chunksTotal} chunks`;
}

/** What a build changed, in the order every summary lists it: added, changed, removed, unchanged, skipped. */
export function changeCounts(report: BuildReport): [what: string, count: number][] {
  return [
    ['added', report.added.length],
    ['changed', report.changed.length],
    ['removed', report.removed.length],
    ['unchanged', report.unchanged.length],
    ['skipped', report.skipped.length],
  ];
}

/** Vectors as rows of `dimensions` floats, packed: a JavaScript array per vector costs about four times the memory. */
interface PackedVectors {
  rows: Float32Array<ArrayBuffer>;
  dimensions: number;
}

interface EmbeddedDocument {
  chunkVectors: PackedVectors;
  /** Unit length, as the index stores them. */
  sentenceVectors: PackedVectors;
}

/** Texts embedded per call: bounds the memory of vectors not yet packed, and lets a bot run between calls. */
const EMBEDDING_BATCH = 512;

/**
 * For each document, where it sits unchanged (same source, same bytes, same chunking) in the
 * previous index, so its vectors can be reused; -1 when it must be embedded.
 */
function previousPositions(previous: CorpusIndex | undefined, segmented: SegmentedDocument[], embeddings: DescribedEmbeddings): number[] {
  const sameEmbeddings = previous?.manifest.embeddings.model === embeddings.info.model && previous.manifest.embeddings.provider === embeddings.info.provider;
  const bySource = new Map(sameEmbeddings ? previous.documents.map((old, position) => [`${old.document.source}\0${old.document.hash}`, position]) : []);
  return segmented.map((doc) => {
    const position = bySource.get(`${doc.document.source}\0${doc.document.hash}`);
    return position !== undefined && previous!.documents[position]!.chunks.length === doc.chunks.length ? position : -1;
  });
}

function sentenceCount(segmented: SegmentedDocument[]): number {
  return segmented.reduce((sum, doc) => sum + doc.sentences.length, 0);
}

/** Past this share of deleted labels, an update rebuilds the graph instead: dead nodes slow every search. */
const MAX_DELETED_SHARE = 0.25;

/**
 * Packs vectors into `packed` from row `first`, unit length when `unit`.
 *
 * @throws {@link EmbeddingsError} for empty vectors or vectors of another size than the others
 */
function packRows(vectors: number[][], packed: PackedVectors, first: number, unit: boolean): void {
  const { rows, dimensions } = packed;
  if (dimensions === 0 || vectors.some((vector) => vector.length !== dimensions)) {
    throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
  }
  vectors.forEach((vector, offset) => {
    let norm = 1;
    if (unit) {
      norm = 0;
      for (const value of vector) norm += value * value;
      norm = Math.sqrt(norm) || 1;
    }
    const base = (first + offset) * dimensions;
    for (let d = 0; d < dimensions; d++) rows[base + d] = vector[d]! / norm;
  });
}

/**
 * Embeds `count` texts, made on demand batch by batch (never all held at once), into packed
 * rows; unit length when `unit`.
 *
 * @throws {@link EmbeddingsError} for empty vectors or vectors of different sizes
 */
async function embedPacked(embeddings: DescribedEmbeddings, count: number, textAt: (row: number) => string, unit: boolean): Promise<PackedVectors> {
  let packed: PackedVectors = { rows: new Float32Array(0), dimensions: 0 };
  for (let start = 0; start < count; start += EMBEDDING_BATCH) {
    const texts = Array.from({ length: Math.min(EMBEDDING_BATCH, count - start) }, (_, offset) => textAt(start + offset));
    const vectors = await embeddings.embedDocuments(texts);
    if (vectors.length !== texts.length) throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
    if (start === 0) packed = { rows: new Float32Array(count * (vectors[0]?.length ?? 0)), dimensions: vectors[0]?.length ?? 0 };
    packRows(vectors, packed, start, unit);
    await yieldToEventLoop();
  }
  return packed;
}

/**
 * GloVe embeds a text by the word sum of its text ({@link GloveEmbeddings.wordSum}), and a chunk's
 * text is its heading, a list's lead-in when it opens inside one, and a run of whole sentences
 * ({@link chunkSearchText}): so each sentence is tokenized once, and each chunk's sum is added up
 * from its parts' sums instead of embedding its text again. Whatever lies between two of its
 * sentences (a repeated heading) is added too, so the sum is the one of the chunk's whole text.
 */
async function composeDocument(segmented: SegmentedDocument, glove: GloveEmbeddings): Promise<EmbeddedDocument> {
  const { body, title } = segmented.document;
  const { chunks, sentences } = segmented;
  const dimensions = glove.info.dimensions;
  const sentenceSums = sentences.map((sentence) => glove.wordSum(body.slice(sentence.start, sentence.end)));
  const sentenceVectors: PackedVectors = { rows: new Float32Array(sentences.length * dimensions), dimensions };
  for (let first = 0; first < sentences.length; first += EMBEDDING_BATCH) {
    packRows(
      sentenceSums.slice(first, first + EMBEDDING_BATCH).map((sum) => glove.embedWordSum(sum)),
      sentenceVectors,
      first,
      true,
    );
    await yieldToEventLoop();
  }
  const headingSums = new Map<string, Float64Array>();
  const chunkVectors: PackedVectors = { rows: new Float32Array(chunks.length * dimensions), dimensions };
  for (let first = 0; first < chunks.length; first += EMBEDDING_BATCH) {
    const vectors = chunks.slice(first, first + EMBEDDING_BATCH).map((chunk) => {
      const heading = chunk.section ?? title;
      const sum = Float64Array.from(headingSums.get(heading) ?? headingSums.set(heading, glove.wordSum(heading)).get(heading)!);
      const add = (part: Float64Array) => {
        for (let d = 0; d < dimensions; d++) sum[d]! += part[d]!;
      };
      const leadIn = sentences[chunk.firstSentence]!.leadIn;
      if (leadIn !== undefined && leadIn < chunk.firstSentence) add(sentenceSums[leadIn]!);
      for (let s = chunk.firstSentence; s <= chunk.lastSentence; s++) {
        add(sentenceSums[s]!);
        const between = s < chunk.lastSentence ? body.slice(sentences[s]!.end, sentences[s + 1]!.start) : '';
        if (/\S/.test(between)) add(glove.wordSum(between));
      }
      return glove.embedWordSum(sum);
    });
    packRows(vectors, chunkVectors, first, false);
    await yieldToEventLoop();
  }
  return { chunkVectors, sentenceVectors };
}

/**
 * The BM25 terms of each of a document's chunks: those of its {@link chunkSearchText}, made from
 * its sentences' terms, so that a sentence is tokenized once though consecutive chunks share
 * sentences. The parts of that text are separated by blanks (a line break after the heading, a
 * space after a lead-in; sentences are cut only before a blank, and trimmed), so no word spans
 * two parts and the text's words are its parts' words, in order.
 */
function chunkTermLists(segmented: SegmentedDocument): string[][] {
  const { body, title } = segmented.document;
  const { chunks, sentences } = segmented;
  const text = (s: number) => body.slice(sentences[s]!.start, sentences[s]!.end);
  const sentenceTerms = new Map<number, string[]>();
  const termsOfSentence = (s: number) => sentenceTerms.get(s) ?? sentenceTerms.set(s, termOccurrences(text(s))).get(s)!;
  const headingTerms = new Map<string, string[]>();
  return chunks.map((chunk) => {
    const heading = chunk.section ?? title;
    const terms = [...(headingTerms.get(heading) ?? headingTerms.set(heading, termOccurrences(heading)).get(heading)!)];
    const leadIn = sentences[chunk.firstSentence]!.leadIn;
    if (leadIn !== undefined && leadIn < chunk.firstSentence) terms.push(...termsOfSentence(leadIn));
    for (let s = chunk.firstSentence; s <= chunk.lastSentence; s++) {
      terms.push(...termsOfSentence(s));
      // Whatever lies between two sentences (a repeated heading) counts too.
      if (s < chunk.lastSentence) terms.push(...termOccurrences(body.slice(sentences[s]!.end, sentences[s + 1]!.start)));
    }
    return terms;
  });
}

async function embedDocument(segmented: SegmentedDocument, embeddings: DescribedEmbeddings): Promise<EmbeddedDocument> {
  if (embeddings instanceof GloveEmbeddings) return composeDocument(segmented, embeddings);
  const { body } = segmented.document;
  const { chunks, sentences } = segmented;
  return {
    chunkVectors: await embedPacked(embeddings, chunks.length, (row) => chunkSearchText(segmented, chunks[row]!), false),
    sentenceVectors: await embedPacked(embeddings, sentences.length, (row) => body.slice(sentences[row]!.start, sentences[row]!.end), true),
  };
}

/**
 * The index saved in `indexDir`, to update incrementally, or `undefined` when there is none
 * usable (missing, built with other embeddings, damaged): the build then starts from scratch,
 * and is the one to report a folder it may not replace. `onUnusable` hears why an index that
 * exists is not reused, so that a damaged one is not replaced without a word.
 */
export async function loadPreviousIndex(
  indexDir: string,
  embeddings: DescribedEmbeddings,
  onUnusable?: (error: VerbatimError) => void,
): Promise<CorpusIndex | undefined> {
  try {
    // Every block checked now: damage found midway through the build would fail it instead of starting afresh.
    return await loadIndex(indexDir, embeddings, { checkEveryBlock: true });
  } catch (error) {
    if (!isVerbatimError(error)) throw error;
    if (!(error instanceof IndexNotFoundError)) onUnusable?.(error);
    return undefined;
  }
}

/**
 * Builds an index of every article in `corpusDir`: segment, embed (reusing the vectors of
 * unchanged documents from `previous`), HNSW + BM25, and saves it atomically to `indexDir`.
 * A build that saves holds the index's lock throughout: a second build of the same folder (a
 * `/reindex` beside an `npm run index`) waits for it, reported as the `waiting` phase.
 *
 * @throws {@link CorpusError} when the corpus holds no readable article (nothing is replaced)
 * @throws {@link ForeignIndexFolderError} when `indexDir` holds something other than an index Verbatim wrote (it is left alone)
 * @throws {@link DiskFullError} when the disk of `indexDir`, or of the scratch folder (TMPDIR) that a graph passes through (from the worker that built it, or copied from `previous` to be updated), is full
 */
export async function buildIndex(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
  if (options.save === false) return buildUnlocked(options);
  const release = await acquireIndexLock(options.indexDir, {
    command: options.command ?? 'a build',
    onWait: (holder) =>
      options.onProgress?.({ phase: 'waiting', waitingFor: describeHolder(holder), documentsDone: 0, documentsTotal: 0, chunksDone: 0, chunksTotal: 0 }),
  });
  try {
    return await buildUnlocked(options);
  } finally {
    await release();
  }
}

/** The articles to index, read and cut into chunks and sentences. */
async function readArticles(options: BuildOptions): Promise<{ segmented: SegmentedDocument[]; skipped: SkippedFile[] }> {
  const loaded = await loadCorpus(options.corpusDir, options);
  if (loaded.documents.length === 0) {
    const skipped = loaded.skipped.length
      ? ` (${loaded.skipped.length} file(s) skipped: ${loaded.skipped.map((file) => `${file.source}: ${file.reason}`).join('; ')})`
      : '';
    throw new CorpusError(`No readable article (.txt or .md) in ${options.corpusDir}${skipped}.`);
  }
  const segmented = loaded.documents.map((document) => segmentDocument(document, options.chunking ?? DEFAULT_CHUNKING));
  if (segmented.every((doc) => doc.chunks.length === 0)) {
    throw new CorpusError(`The articles in ${options.corpusDir} hold no sentence to quote (only headings or blank lines).`);
  }
  return { segmented, skipped: loaded.skipped };
}

/** What a build reuses of the previous index, and whether it updates that index's graph and lexical index in place. */
interface BuildPlan {
  /** For each document, its position in the previous index when unchanged; -1 when it is embedded. */
  reused: number[];
  reusedDocuments: number;
  /** Positions in the previous index of the documents gone or changed. */
  stale: number[];
  /** Their chunks' labels in the previous graph. */
  staleLabels: number[];
  /** Chunks to embed. */
  freshChunks: number;
  /** Update a copy of the previous graph and lexical index rather than rebuild both. */
  incremental: boolean;
}

/**
 * Plans the build: an unchanged document's vectors are reused; the previous graph and lexical
 * index are updated in place when few chunks changed (a one-file reindex of a large corpus),
 * rebuilt otherwise. Decided before embedding, so that each document's chunks go into the graph
 * as soon as its vectors are ready.
 */
function planBuild(previous: CorpusIndex | undefined, segmented: SegmentedDocument[], embeddings: DescribedEmbeddings): BuildPlan {
  const reused = previousPositions(previous, segmented, embeddings);
  const reusedDocuments = reused.filter((position) => position !== -1).length;
  const kept = new Set(reused);
  const stale = previous ? previous.documents.flatMap((_, doc) => (kept.has(doc) ? [] : [doc])) : [];
  const staleLabels = stale.flatMap((doc) => previous!.chunkLabels[doc]!);
  const freshChunks = segmented.reduce((sum, doc, i) => sum + (reused[i] === -1 ? doc.chunks.length : 0), 0);
  const incremental =
    previous !== undefined &&
    reusedDocuments > 0 &&
    (previous.graph.labelCount - previous.graph.size + staleLabels.length) / (previous.graph.labelCount + freshChunks) <= MAX_DELETED_SHARE;
  return { reused, reusedDocuments, stale, staleLabels, freshChunks, incremental };
}

/** The searchable parts of an index, as {@link embedAndAssemble} makes them. */
interface Assembled {
  dimensions: number;
  sentenceVectors: Float32Array;
  chunkLabels: number[][];
  chunkGraph: ChunkGraph;
  lexical: LexicalIndex;
  lexicon: SentenceLexicon;
  acronyms: AcronymTable;
}

/**
 * Embeds each document the plan does not reuse and assembles the HNSW graph of chunks, the
 * BM25 lexical index and the sentence vectors: each document's vectors go where the index keeps
 * them as soon as it is embedded (its sentences' rows into the index's one array, its chunks'
 * rows into the graph). On the incremental path a copy of the previous graph and of its lexical
 * index (or the previous one, with `consumePrevious`) lose the stale chunks and gain the fresh ones.
 */
async function embedAndAssemble(options: BuildOptions, segmented: SegmentedDocument[], plan: BuildPlan, progress: BuildProgress): Promise<Assembled> {
  const { embeddings, previous, onProgress } = options;
  const { reused, reusedDocuments, stale, staleLabels, freshChunks, incremental } = plan;
  // The size of a vector is known from the previous index or the first one embedded.
  let dimensions = previous && reusedDocuments > 0 ? previous.dimensions : 0;
  let sentenceVectors = new Float32Array(sentenceCount(segmented) * dimensions);
  let lexical: LexicalIndex;
  // A rebuilt graph is built in a worker thread (see GraphInWorker), started once the size of a vector is known.
  let graph: GraphInWorker | undefined;
  const parameters = options.hnsw ?? DEFAULT_HNSW;
  /**
   * An update changes a copy of the previous graph, which hnswlib reads from a scratch file on
   * a thread of its own (a fifth of a one-file reindex of the State of the Union): this thread
   * embeds, copies and builds the lexicon meanwhile, and adds the fresh chunks to the copy once
   * it is there, in the order of the documents, as it would have on the spot.
   */
  const copying = incremental ? previous!.graph.clone(os.tmpdir()) : undefined;
  // Its failure (a full scratch disk) is thrown where it is awaited; until then it is not an unhandled rejection.
  copying?.catch(() => undefined);
  const freshOnCopy: { doc: number; rows: Float32Array; terms: string[][] }[] = [];
  if (incremental) {
    lexical = options.consumePrevious ? previous!.lexical : previous!.lexical.clone();
    lexical.remove(staleLabels);
  } else {
    lexical = LexicalIndex.build([]);
  }
  const chunkLabels: number[][] = [];
  let sentenceRow = 0;
  try {
    for (const [i, doc] of segmented.entries()) {
      const count = doc.sentences.length;
      const position = reused[i]!;
      let chunkRows: Float32Array<ArrayBuffer> | undefined;
      if (position === -1) {
        const { chunkVectors, sentenceVectors: rows } = await embedDocument(doc, embeddings);
        if (dimensions === 0 && chunkVectors.dimensions > 0) {
          dimensions = chunkVectors.dimensions;
          sentenceVectors = new Float32Array(sentenceCount(segmented) * dimensions);
        }
        const sized = (packed: PackedVectors) => packed.rows.length === 0 || packed.dimensions === dimensions;
        if (!sized(chunkVectors) || !sized(rows)) throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
        sentenceVectors.set(rows.rows, sentenceRow * dimensions);
        chunkRows = chunkVectors.rows;
      } else {
        // A reused document's sentence vectors are consecutive rows of the previous index's.
        const previousRow = previous!.sentenceId({ doc: position, sentence: 0 });
        sentenceVectors.set(previous!.sentenceVectors.rows(previousRow, previousRow + count), sentenceRow * dimensions);
        if (!incremental) {
          chunkRows = new Float32Array(doc.chunks.length * dimensions);
          previous!.chunkLabels[position]!.forEach((label, c) => chunkRows!.set(previous!.graph.vectorAt(label), c * dimensions));
        }
      }
      sentenceRow += count;
      if (chunkRows === undefined) {
        chunkLabels.push(previous!.chunkLabels[position]!);
      } else if (copying) {
        freshOnCopy.push({ doc: i, rows: chunkRows, terms: chunkTermLists(doc) });
        chunkLabels.push([]);
      } else {
        const labels =
          chunkRows.length === 0 ? [] : (graph ??= new GraphInWorker({ dimensions, parameters, capacity: progress.chunksTotal })).addRows(chunkRows);
        const terms = chunkTermLists(doc);
        lexical.add(labels.map((label, c) => ({ label, terms: terms[c]! })));
        chunkLabels.push(labels);
      }
      // Local embeddings are synchronous: let pending work (a bot's interactions) run between documents.
      await yieldToEventLoop();
      progress.documentsDone++;
      progress.chunksDone += doc.chunks.length;
      onProgress?.({ ...progress });
    }
    if (dimensions === 0) throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
    onProgress?.({ ...progress, phase: 'indexing' });
    // Made while the graph worker inserts the last vectors. An update tokenizes only the documents
    // it embedded: the others' words are the previous lexicon's. The acronym table is made from every text.
    const lexicon = await SentenceLexicon.build(
      segmented,
      previous && reusedDocuments > 0 ? { previous: previous.lexicon, positions: reused, removed: stale.map((doc) => previous.documents[doc]!) } : undefined,
    );
    const acronyms = await AcronymTable.build(segmented);
    let chunkGraph: ChunkGraph;
    if (copying) {
      chunkGraph = await copying;
      chunkGraph.deleteLabels(staleLabels);
      chunkGraph.reserve(chunkGraph.labelCount + freshChunks);
      for (const { doc, rows, terms } of freshOnCopy) {
        const labels = rows.length === 0 ? [] : chunkGraph.addRows(rows);
        lexical.add(labels.map((label, c) => ({ label, terms: terms[c]! })));
        chunkLabels[doc] = labels;
      }
    } else {
      chunkGraph = graph ? await graph.finish(os.tmpdir()) : new ChunkGraph(dimensions, parameters);
    }
    return { dimensions, sentenceVectors, chunkLabels, chunkGraph, lexical, lexicon, acronyms };
  } catch (error) {
    await graph?.stop();
    // A copy still on its way is waited for, so that its scratch file is gone when the build has failed.
    await copying?.catch(() => undefined);
    throw error;
  }
}

/** What a build changed against the previous index (`seconds` set by the caller). */
function reportOf(
  segmented: SegmentedDocument[],
  previous: CorpusIndex | undefined,
  chunks: number,
  reusedDocuments: number,
  skipped: SkippedFile[],
): BuildReport {
  const previousSources = new Map((previous?.documents ?? []).map((doc) => [doc.document.source, doc.document.hash]));
  const currentSources = new Set(segmented.map((doc) => doc.document.source));
  return {
    documents: segmented.length,
    chunks,
    sentences: sentenceCount(segmented),
    added: segmented.filter((doc) => !previousSources.has(doc.document.source)).map((doc) => doc.document.source),
    changed: segmented
      .filter((doc) => previousSources.has(doc.document.source) && previousSources.get(doc.document.source) !== doc.document.hash)
      .map((doc) => doc.document.source),
    removed: [...previousSources.keys()].filter((source) => !currentSources.has(source)),
    unchanged: segmented.filter((doc) => previousSources.get(doc.document.source) === doc.document.hash).map((doc) => doc.document.source),
    reusedDocuments,
    skipped,
    seconds: 0,
  };
}

/** The manifest of an assembled index (`buildSeconds` and `files` filled in later). */
function manifestOf(embeddings: DescribedEmbeddings, segmented: SegmentedDocument[], assembled: Assembled, skipped: SkippedFile[]): IndexManifest {
  return {
    formatVersion: INDEX_FORMAT_VERSION,
    embeddings: { ...embeddings.info, dimensions: assembled.dimensions },
    hnsw: assembled.chunkGraph.parameters,
    builtAt: new Date().toISOString(),
    buildSeconds: 0,
    documents: segmented.map(({ document, chunks, sentences }) => ({
      source: document.source,
      title: document.title,
      ...(document.date !== undefined ? { date: document.date } : {}),
      ...(document.url !== undefined ? { url: document.url } : {}),
      hash: document.hash,
      chunks: chunks.length,
      sentences: sentences.length,
    })),
    chunkCount: assembled.chunkGraph.size,
    sentenceCount: sentenceCount(segmented),
    skipped,
    files: {},
    blocks: {},
  };
}

/** The build itself, in its steps: read, plan, embed and assemble, report, save. */
async function buildUnlocked(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
  const started = performance.now();
  const save = options.save ?? true;
  // Refuse a folder that is not an index before minutes of embedding, not after.
  if (save) await assertIndexFolderReplaceable(options.indexDir);
  const { segmented, skipped } = await readArticles(options);
  const progress: BuildProgress = {
    phase: 'embedding',
    documentsDone: 0,
    documentsTotal: segmented.length,
    chunksDone: 0,
    chunksTotal: segmented.reduce((sum, doc) => sum + doc.chunks.length, 0),
  };
  options.onProgress?.({ ...progress });
  const plan = planBuild(options.previous, segmented, options.embeddings);
  const assembled = await embedAndAssemble(options, segmented, plan, progress);
  const report = reportOf(segmented, options.previous, assembled.chunkGraph.size, plan.reusedDocuments, skipped);
  const manifest = manifestOf(options.embeddings, segmented, assembled, skipped);
  const index = new CorpusIndex(
    manifest,
    segmented,
    assembled.chunkLabels,
    assembled.chunkGraph,
    assembled.lexical,
    SentenceVectors.of(assembled.sentenceVectors, assembled.dimensions),
    { lexicon: assembled.lexicon, acronyms: assembled.acronyms },
  );
  manifest.buildSeconds = (performance.now() - started) / 1000;
  if (save) {
    options.onProgress?.({ ...progress, phase: 'saving' });
    await saveIndex(index, options.indexDir);
  }
  report.seconds = (performance.now() - started) / 1000;
  return { index, report };
}
