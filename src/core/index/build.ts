import { Document } from '@langchain/core/documents';
import type { SkippedFile } from '../corpus/document.js';
import { loadCorpus, type LoadCorpusOptions } from '../corpus/loader.js';
import { CorpusError, EmbeddingsError } from '../errors.js';
import { CorpusIndex, saveIndex } from './corpus-index.js';
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

function reusableVectors(previous: CorpusIndex | undefined, segmented: SegmentedDocument, embeddings: DescribedEmbeddings): EmbeddedDocument | undefined {
  if (!previous || previous.manifest.embeddings.model !== embeddings.info.model || previous.manifest.embeddings.provider !== embeddings.info.provider) {
    return undefined;
  }
  const doc = previous.documents.findIndex((old) => old.document.source === segmented.document.source && old.document.hash === segmented.document.hash);
  if (doc === -1 || previous.documents[doc]!.chunks.length !== segmented.chunks.length) return undefined;
  const chunkVectors: number[][] = [];
  previous.chunkRefs.forEach((ref, label) => {
    if (ref.doc === doc) chunkVectors.push(previous.store.vectorAt(label));
  });
  const sentenceVectors = segmented.sentences.map((_, sentence) => Array.from(previous.sentenceVector({ doc, sentence })));
  return { chunkVectors, sentenceVectors };
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
 */
export async function buildIndex(options: BuildOptions): Promise<{ index: CorpusIndex; report: BuildReport }> {
  const started = performance.now();
  const { embeddings, previous, onProgress } = options;
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

  const embedded: EmbeddedDocument[] = [];
  let reusedDocuments = 0;
  for (const doc of segmented) {
    const reusable = reusableVectors(previous, doc, embeddings);
    if (reusable) reusedDocuments++;
    embedded.push(reusable ?? (await embedDocument(doc, embeddings)));
    // Local embeddings are synchronous: let pending work (a bot's interactions) run between documents.
    await yieldToEventLoop();
    progress.documentsDone++;
    progress.chunksDone += doc.chunks.length;
    onProgress?.({ ...progress });
  }

  const dimensions = embedded.find((doc) => doc.chunkVectors.length > 0)?.chunkVectors[0]?.length ?? 0;
  if (dimensions === 0) throw new EmbeddingsError('The embeddings provider returned empty vectors.');
  onProgress?.({ ...progress, phase: 'indexing' });
  const store = new HnswVectorStore(embeddings, { dimensions, parameters: options.hnsw ?? DEFAULT_HNSW });
  const searchTexts: string[] = [];
  for (const [i, doc] of segmented.entries()) {
    const texts = doc.chunks.map((chunk) => chunkSearchText(doc, chunk));
    searchTexts.push(...texts);
    const langchainDocuments = doc.chunks.map(
      (chunk, position) =>
        new Document({
          pageContent: texts[position]!,
          metadata: { source: doc.document.source, title: doc.document.title, date: doc.document.date, section: chunk.section, start: chunk.start, end: chunk.end },
        }),
    );
    await store.addVectors(embedded[i]!.chunkVectors, langchainDocuments);
    await yieldToEventLoop();
  }
  const sentenceVectors = unitFloat32(embedded.flatMap((doc) => doc.sentenceVectors), dimensions);
  const lexical = LexicalIndex.build(searchTexts);

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
  const index = new CorpusIndex(manifest, segmented, store, lexical, sentenceVectors);
  if (options.save ?? true) {
    onProgress?.({ ...progress, phase: 'saving' });
    manifest.buildSeconds = (performance.now() - started) / 1000;
    await saveIndex(index, options.indexDir);
  }
  report.seconds = (performance.now() - started) / 1000;
  manifest.buildSeconds = report.seconds;
  return { index, report };
}
