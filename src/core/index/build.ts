import os from 'node:os';
import { Document } from '@langchain/core/documents';
import type { SkippedFile } from '../corpus/document.js';
import { loadCorpus, type LoadCorpusOptions } from '../corpus/loader.js';
import { CorpusError, EmbeddingsError } from '../errors.js';
import { assertIndexFolderReplaceable, CorpusIndex, saveIndex } from './corpus-index.js';
import type { DescribedEmbeddings } from './embeddings/provider.js';
import { DEFAULT_HNSW, HnswVectorStore, type HnswParameters } from './hnsw-store.js';
import { LexicalIndex } from './lexical.js';
import { INDEX_FORMAT_VERSION, type IndexManifest } from './manifest.js';
import { chunkSearchText, DEFAULT_CHUNKING, segmentDocument, type ChunkingOptions, type SegmentedDocument } from './segment.js';

/** Where a build is, for progress lines and Discord edits. */
export interface BuildProgress {
  phase: 'reading' | 'embedding' | 'indexing' | 'saving';
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
}

export interface BuildOptions extends LoadCorpusOptions {
  corpusDir: string;
  indexDir: string;
  embeddings: DescribedEmbeddings;
  /** The index being replaced: vectors of documents whose hash is unchanged are reused. */
  previous?: CorpusIndex;
  onProgress?: (progress: BuildProgress) => void;
  chunking?: ChunkingOptions;
  hnsw?: HnswParameters;
  /** Write the index to `indexDir` (default true). */
  save?: boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface EmbeddedDocument {
  chunkVectors: number[][];
  sentenceVectors: number[][];
}

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

/** Past this share of deleted labels, an update rebuilds the graph instead: dead nodes slow every search. */
const MAX_DELETED_SHARE = 0.25;

function langchainDocuments(segmented: SegmentedDocument, texts: string[]): Document[] {
  const { document } = segmented;
  return segmented.chunks.map(
    (chunk, position) =>
      new Document({
        pageContent: texts[position]!,
        metadata: { source: document.source, title: document.title, date: document.date, section: chunk.section, start: chunk.start, end: chunk.end },
      }),
  );
}

async function embedDocument(segmented: SegmentedDocument, embeddings: DescribedEmbeddings): Promise<EmbeddedDocument> {
  const { body } = segmented.document;
  const chunkVectors = await embeddings.embedDocuments(segmented.chunks.map((chunk) => chunkSearchText(segmented, chunk)));
  const sentenceVectors = await embeddings.embedDocuments(segmented.sentences.map((sentence) => body.slice(sentence.start, sentence.end)));
  return { chunkVectors, sentenceVectors };
}

function unitFloat32(vectors: number[][], dimensions: number): Float32Array {
  const packed = new Float32Array(vectors.length * dimensions);
  vectors.forEach((vector, row) => {
    const norm = Math.hypot(...vector) || 1;
    for (let d = 0; d < dimensions; d++) packed[row * dimensions + d] = vector[d]! / norm;
  });
  return packed;
}

/**
 * Builds an index of every article in `corpusDir`: segment, embed (reusing the vectors of
 * unchanged documents from `previous`), HNSW + BM25, and saves it atomically to `indexDir`.
 *
 * @throws {@link CorpusError} when the corpus holds no readable article (nothing is replaced)
 * @throws {@link ForeignIndexFolderError} when `indexDir` holds something other than an index Verbatim wrote (it is left alone)
 */
export async function buildIndex(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
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

  const dimensions = previous && reusedDocuments > 0 ? previous.dimensions : (fresh.find((doc) => doc && doc.chunkVectors.length > 0)?.chunkVectors[0]?.length ?? 0);
  if (dimensions === 0 || fresh.some((doc) => doc?.chunkVectors.some((vector) => vector.length !== dimensions))) {
    throw new EmbeddingsError('The embeddings provider returned empty vectors or vectors of another size.');
  }
  onProgress?.({ ...progress, phase: 'indexing' });
  const sentenceVectors = unitFloat32(
    segmented.flatMap((doc, i) => fresh[i]?.sentenceVectors ?? doc.sentences.map((_, sentence) => Array.from(previous!.sentenceVector({ doc: reused[i]!, sentence })))),
    dimensions,
  );
  const searchTexts = segmented.map((doc) => doc.chunks.map((chunk) => chunkSearchText(doc, chunk)));

  // Update a copy of the previous graph and lexical index in place when few chunks changed
  // (a one-file reindex of a large corpus); rebuild both otherwise.
  const kept = new Set(reused);
  const stale = previous ? previous.documents.flatMap((_, doc) => (kept.has(doc) ? [] : [doc])) : [];
  const staleLabels = stale.flatMap((doc) => previous!.chunkLabels[doc]!);
  const freshChunks = segmented.reduce((sum, doc, i) => sum + (fresh[i] ? doc.chunks.length : 0), 0);
  const incremental =
    previous !== undefined &&
    reusedDocuments > 0 &&
    (previous.store.labelCount - previous.store.size + staleLabels.length) / (previous.store.labelCount + freshChunks) <= MAX_DELETED_SHARE;

  let store: HnswVectorStore;
  let lexical: LexicalIndex;
  if (incremental) {
    store = await previous.store.clone(os.tmpdir());
    lexical = previous.lexical.clone();
    store.deleteLabels(staleLabels);
    lexical.remove(stale.flatMap((doc) => previous.documents[doc]!.chunks.map((chunk, c) => ({ label: previous.chunkLabels[doc]![c]!, text: chunkSearchText(previous.documents[doc]!, chunk) }))));
  } else {
    store = new HnswVectorStore(embeddings, { dimensions, parameters: options.hnsw ?? DEFAULT_HNSW });
    lexical = LexicalIndex.build([]);
  }
  const chunkLabels: number[][] = [];
  for (const [i, doc] of segmented.entries()) {
    const position = reused[i]!;
    if (incremental && position !== -1) {
      chunkLabels.push(previous.chunkLabels[position]!);
      continue;
    }
    const vectors = fresh[i]?.chunkVectors ?? previous!.chunkLabels[position]!.map((label) => previous!.store.vectorAt(label));
    const first = store.labelCount;
    await store.addVectors(vectors, langchainDocuments(doc, searchTexts[i]!));
    const labels = doc.chunks.map((_, c) => first + c);
    lexical.add(labels.map((label, c) => ({ label, text: searchTexts[i]![c]! })));
    chunkLabels.push(labels);
    await yieldToEventLoop();
  }

  const previousSources = new Map((previous?.documents ?? []).map((doc) => [doc.document.source, doc.document.hash]));
  const currentSources = new Set(segmented.map((doc) => doc.document.source));
  const report: BuildReport = {
    documents: segmented.length,
    chunks: store.size,
    sentences: segmented.reduce((sum, doc) => sum + doc.sentences.length, 0),
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
    chunkCount: store.size,
    sentenceCount: report.sentences,
    skipped: loaded.skipped,
    files: {},
  };
  const index = new CorpusIndex(manifest, segmented, chunkLabels, store, lexical, sentenceVectors);
  manifest.buildSeconds = (performance.now() - started) / 1000;
  if (save) {
    onProgress?.({ ...progress, phase: 'saving' });
    await saveIndex(index, options.indexDir);
  }
  report.seconds = (performance.now() - started) / 1000;
  return { index, report };
}
