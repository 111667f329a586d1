import type { SkippedFile } from '../corpus/document.js';
import type { EmbeddingsInfo } from './embeddings/provider.js';
import type { HnswParameters } from './hnsw-store.js';

/**
 * Bumped whenever the files of an index change shape: older indexes must be rebuilt.
 * 3: no `chunks.docstore.json` (chunk texts are in `corpus.json`), the graph's parameters in the manifest; BM25 in `lexical.bin`, the sentence lexicon saved in `lexicon.bin`.
 * 4: the segmented documents in `corpus.bin` (typed arrays and one run of UTF-8 bodies, read without parsing) instead of `corpus.json`.
 * 5: the hash of each 32 KiB block of the files read on demand, in `blocks`; the acronym table of the documents' texts in `corpus.bin`.
 */
export const INDEX_FORMAT_VERSION = 5;

/** One indexed document as the manifest lists it. */
export interface ManifestDocument {
  source: string;
  title: string;
  date?: string;
  url?: string;
  /** SHA-256 of the file's bytes when indexed. */
  hash: string;
  chunks: number;
  sentences: number;
}

/** The name of an index's manifest inside its folder. */
export const MANIFEST_FILE = 'manifest.json';

/** `manifest.json`: what an index holds, what built it, and the hashes of its files. */
export interface IndexManifest {
  formatVersion: number;
  embeddings: EmbeddingsInfo;
  /** What the chunk graph was built with; searches use its `efSearch`. */
  hnsw: HnswParameters;
  /** ISO 8601. */
  builtAt: string;
  buildSeconds: number;
  documents: ManifestDocument[];
  chunkCount: number;
  sentenceCount: number;
  skipped: SkippedFile[];
  /** File name → SHA-256 of the whole file (the graph's is checked before it is read). */
  files: Record<string, string>;
  /**
   * File name → the hashes of its blocks ({@link BlockHasher}), for the files read on demand: each block
   * is checked when first read.
   */
  blocks: Record<string, string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a parsed `manifest.json` is one that some version of Verbatim wrote, whatever its
 * format version: a format version and the table of the index's files. This is what proves a
 * folder is an index, and so may be replaced by a new build.
 */
export function isVerbatimManifest(value: unknown): value is Pick<IndexManifest, 'formatVersion' | 'files'> {
  return (
    isObject(value) && Number.isInteger(value.formatVersion) && isObject(value.files) && Object.values(value.files).every((hash) => typeof hash === 'string')
  );
}

/** Returns what is wrong with a parsed manifest, or `undefined` when it has the expected shape. */
export function manifestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'the manifest is not a JSON object';
  if (value.formatVersion !== INDEX_FORMAT_VERSION) {
    return `format version ${String(value.formatVersion)}, this version of Verbatim reads ${INDEX_FORMAT_VERSION}`;
  }
  const embeddings = value.embeddings;
  if (!isObject(embeddings) || typeof embeddings.provider !== 'string' || typeof embeddings.model !== 'string' || typeof embeddings.dimensions !== 'number') {
    return 'the manifest does not say which embeddings built it';
  }
  const hnsw = value.hnsw;
  if (!isObject(hnsw) || ![hnsw.m, hnsw.efConstruction, hnsw.efSearch].every((parameter) => Number.isInteger(parameter) && (parameter as number) > 0)) {
    return 'the manifest does not say how its graph was built';
  }
  if (
    !Array.isArray(value.documents) ||
    typeof value.chunkCount !== 'number' ||
    !isObject(value.files) ||
    typeof value.builtAt !== 'string' ||
    !isObject(value.blocks) ||
    !Object.values(value.blocks).every((hashes) => typeof hashes === 'string')
  ) {
    return 'the manifest is incomplete';
  }
  return undefined;
}
