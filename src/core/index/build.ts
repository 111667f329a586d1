import os from 'node:os';
import type { SkippedFile } from '../corpus/document.js';
import { loadCorpus, type LoadCorpusOptions } from '../corpus/loader.js';
import { CorpusError, EmbeddingsError, IndexNotFoundError, isVerbatimError, type VerbatimError } from '../errors.js';
import { yieldToEventLoop } from '../event-loop.js';
import { assertIndexFolderReplaceable, CorpusIndex, loadIndex, saveIndex } from './corpus-index.js';
import type { DescribedEmbeddings } from './embeddings/provider.js';
import { ChunkGraph, DEFAULT_HNSW, type HnswParameters } from './hnsw-store.js';
import { acquireIndexLock, describeHolder } from './index-lock.js';
import { LexicalIndex } from './lexical.js';
import { SentenceLexicon } from './sentence-lexicon.js';
import { INDEX_FORMAT_VERSION, type IndexManifest } from './manifest.js';
import { chunkSearchText, DEFAULT_CHUNKING, segmentDocument, type ChunkingOptions, type SegmentedDocument } from './segment.js';

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
   * Whether the build may update `previous`'s graph and lexical index in place, because nothing
   * will use `previous` again (a worker that loaded it only for this build). By default they
   * are copied first, since the previous index usually keeps serving during the build.
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

/** Vectors as rows of `dimensions` floats, packed: a JavaScript array per vector costs about four times the memory. */
interface PackedVectors {
  rows: Float32Array;
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
    if (start === 0) packed = { rows: new Float32Array(count * (vectors[0]?.length ?? 0)), dimensions: vectors[0]?.length ?? 0 };
    const { rows, dimensions } = packed;
    if (dimensions === 0 || vectors.length !== texts.length || vectors.some((vector) => vector.length !== dimensions)) {
      throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
    }
    vectors.forEach((vector, offset) => {
      let norm = 1;
      if (unit) {
        norm = 0;
        for (const value of vector) norm += value * value;
        norm = Math.sqrt(norm) || 1;
      }
      const base = (start + offset) * dimensions;
      for (let d = 0; d < dimensions; d++) rows[base + d] = vector[d]! / norm;
    });
    await yieldToEventLoop();
  }
  return packed;
}

async function embedDocument(segmented: SegmentedDocument, embeddings: DescribedEmbeddings): Promise<EmbeddedDocument> {
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
export async function loadPreviousIndex(indexDir: string, embeddings: DescribedEmbeddings, onUnusable?: (error: VerbatimError) => void): Promise<CorpusIndex | undefined> {
  try {
    return await loadIndex(indexDir, embeddings);
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
 * @throws {@link DiskFullError} when the disk of `indexDir`, or of the scratch folder (TMPDIR) that an update of `previous` copies its graph through, is full
 */
export async function buildIndex(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
  if (options.save === false) return buildUnlocked(options);
  const release = await acquireIndexLock(options.indexDir, {
    command: options.command ?? 'a build',
    onWait: (holder) => options.onProgress?.({ phase: 'waiting', waitingFor: describeHolder(holder), documentsDone: 0, documentsTotal: 0, chunksDone: 0, chunksTotal: 0 }),
  });
  try {
    return await buildUnlocked(options);
  } finally {
    await release();
  }
}

async function buildUnlocked(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
  const started = performance.now();
  const { embeddings, previous, onProgress } = options;
  const save = options.save ?? true;
  // Refuse a folder that is not an index before minutes of embedding, not after.
  if (save) await assertIndexFolderReplaceable(options.indexDir);
  const loaded = await loadCorpus(options.corpusDir, options);
  if (loaded.documents.length === 0) {
    const skipped = loaded.skipped.length ? ` (${loaded.skipped.length} file(s) skipped: ${loaded.skipped.map((file) => `${file.source}: ${file.reason}`).join('; ')})` : '';
    throw new CorpusError(`No readable article (.txt or .md) in ${options.corpusDir}${skipped}.`);
  }
  const segmented = loaded.documents.map((document) => segmentDocument(document, options.chunking ?? DEFAULT_CHUNKING));
  if (segmented.every((doc) => doc.chunks.length === 0)) {
    throw new CorpusError(`The articles in ${options.corpusDir} hold no sentence to quote (only headings or blank lines).`);
  }
  const progress: BuildProgress = {
    phase: 'embedding',
    documentsDone: 0,
    documentsTotal: segmented.length,
    chunksDone: 0,
    chunksTotal: segmented.reduce((sum, doc) => sum + doc.chunks.length, 0),
  };
  onProgress?.({ ...progress });

  // For each document: its position in the previous index when unchanged, else fresh vectors.
  const reused = previousPositions(previous, segmented, embeddings);
  const fresh: (EmbeddedDocument | undefined)[] = [];
  for (const [i, doc] of segmented.entries()) {
    fresh.push(reused[i] === -1 ? await embedDocument(doc, embeddings) : undefined);
    // Local embeddings are synchronous: let pending work (a bot's interactions) run between documents.
    await yieldToEventLoop();
    progress.documentsDone++;
    progress.chunksDone += doc.chunks.length;
    onProgress?.({ ...progress });
  }
  const reusedDocuments = reused.filter((position) => position !== -1).length;

  const dimensions = previous && reusedDocuments > 0 ? previous.dimensions : (fresh.find((doc) => doc && doc.chunkVectors.dimensions > 0)?.chunkVectors.dimensions ?? 0);
  const sized = (packed: PackedVectors) => packed.rows.length === 0 || packed.dimensions === dimensions;
  if (dimensions === 0 || fresh.some((doc) => doc && !(sized(doc.chunkVectors) && sized(doc.sentenceVectors)))) {
    throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
  }
  onProgress?.({ ...progress, phase: 'indexing' });
  const sentenceVectors = new Float32Array(sentenceCount(segmented) * dimensions);
  let sentenceRow = 0;
  for (const [i, doc] of segmented.entries()) {
    const count = doc.sentences.length;
    // A reused document's sentence vectors are consecutive rows of the previous index's.
    const previousRow = fresh[i] ? 0 : previous!.sentenceId({ doc: reused[i]!, sentence: 0 });
    const rows = fresh[i]?.sentenceVectors.rows ?? previous!.sentenceVectors.subarray(previousRow * dimensions, (previousRow + count) * dimensions);
    sentenceVectors.set(rows, sentenceRow * dimensions);
    sentenceRow += count;
  }

  // Update a copy of the previous graph and lexical index in place when few chunks changed
  // (a one-file reindex of a large corpus); rebuild both otherwise.
  const kept = new Set(reused);
  const stale = previous ? previous.documents.flatMap((_, doc) => (kept.has(doc) ? [] : [doc])) : [];
  const staleLabels = stale.flatMap((doc) => previous!.chunkLabels[doc]!);
  const freshChunks = segmented.reduce((sum, doc, i) => sum + (fresh[i] ? doc.chunks.length : 0), 0);
  const incremental =
    previous !== undefined &&
    reusedDocuments > 0 &&
    (previous.graph.labelCount - previous.graph.size + staleLabels.length) / (previous.graph.labelCount + freshChunks) <= MAX_DELETED_SHARE;

  let graph: ChunkGraph;
  let lexical: LexicalIndex;
  if (incremental) {
    graph = options.consumePrevious ? previous.graph : await previous.graph.clone(os.tmpdir());
    lexical = options.consumePrevious ? previous.lexical : previous.lexical.clone();
    graph.deleteLabels(staleLabels);
    lexical.remove(staleLabels);
  } else {
    graph = new ChunkGraph(dimensions, options.hnsw ?? DEFAULT_HNSW);
    lexical = LexicalIndex.build([]);
  }
  const chunkLabels: number[][] = [];
  for (const [i, doc] of segmented.entries()) {
    const position = reused[i]!;
    if (incremental && position !== -1) {
      chunkLabels.push(previous.chunkLabels[position]!);
      continue;
    }
    const packed = fresh[i]?.chunkVectors;
    const vectorAt = (c: number) => (packed ? Array.from(packed.rows.subarray(c * dimensions, (c + 1) * dimensions)) : previous!.graph.vectorAt(previous!.chunkLabels[position]![c]!));
    const labels: number[] = [];
    // In batches, so that a document of many chunks never holds all their texts and vectors at once.
    for (let from = 0; from < doc.chunks.length; from += EMBEDDING_BATCH) {
      const to = Math.min(from + EMBEDDING_BATCH, doc.chunks.length);
      const texts = doc.chunks.slice(from, to).map((chunk) => chunkSearchText(doc, chunk));
      const batchLabels = graph.add(texts.map((_, offset) => vectorAt(from + offset)));
      lexical.add(batchLabels.map((label, offset) => ({ label, text: texts[offset]! })));
      labels.push(...batchLabels);
      await yieldToEventLoop();
    }
    chunkLabels.push(labels);
  }

  const previousSources = new Map((previous?.documents ?? []).map((doc) => [doc.document.source, doc.document.hash]));
  const currentSources = new Set(segmented.map((doc) => doc.document.source));
  const report: BuildReport = {
    documents: segmented.length,
    chunks: graph.size,
    sentences: sentenceCount(segmented),
    added: segmented.filter((doc) => !previousSources.has(doc.document.source)).map((doc) => doc.document.source),
    changed: segmented.filter((doc) => previousSources.has(doc.document.source) && previousSources.get(doc.document.source) !== doc.document.hash).map((doc) => doc.document.source),
    removed: [...previousSources.keys()].filter((source) => !currentSources.has(source)),
    unchanged: segmented.filter((doc) => previousSources.get(doc.document.source) === doc.document.hash).map((doc) => doc.document.source),
    reusedDocuments,
    skipped: loaded.skipped,
    seconds: 0,
  };
  const manifest: IndexManifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    embeddings: { ...embeddings.info, dimensions },
    hnsw: graph.parameters,
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
    chunkCount: graph.size,
    sentenceCount: report.sentences,
    skipped: loaded.skipped,
    files: {},
  };
  const index = new CorpusIndex(manifest, segmented, chunkLabels, graph, lexical, sentenceVectors, await SentenceLexicon.build(segmented));
  manifest.buildSeconds = (performance.now() - started) / 1000;
  if (save) {
    onProgress?.({ ...progress, phase: 'saving' });
    await saveIndex(index, options.indexDir);
  }
  report.seconds = (performance.now() - started) / 1000;
  return { index, report };
}
