import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IndexCorruptError, IndexMismatchError, IndexNotFoundError } from '../errors.js';
import { describeEmbeddings, type DescribedEmbeddings } from './embeddings/provider.js';
import { HNSW_FILES, HnswVectorStore } from './hnsw-store.js';
import { LexicalIndex } from './lexical.js';
import { manifestProblem, type IndexManifest } from './manifest.js';
import { SentenceLexicon } from './sentence-lexicon.js';
import type { Chunk, SegmentedDocument, Sentence } from './segment.js';

const FILES = {
  manifest: 'manifest.json',
  corpus: 'corpus.json',
  sentenceVectors: 'sentences.f32',
  lexical: 'lexical.json',
  ...HNSW_FILES,
} as const;

/** A chunk located in the index: its document and position. */
export interface ChunkRef {
  doc: number;
  chunk: number;
}

/** A sentence located in the index. */
export interface SentenceRef {
  doc: number;
  sentence: number;
}

/**
 * Everything needed to answer from one built corpus: the segmented documents (with their
 * bodies, so quotes are checked against exactly what was indexed), the HNSW store over
 * chunks, the lexical index, and one vector per sentence for evidence selection.
 */
export class CorpusIndex {
  /** Chunk label → location; deleted labels (after incremental reindexes) are holes. */
  readonly chunkRefs: (ChunkRef | undefined)[];
  /** Index of each document's first sentence in {@link sentenceVectors}. */
  private readonly sentenceBase: number[];
  private readonly bySource: Map<string, SegmentedDocument>;
  private sentenceLexicon: SentenceLexicon | undefined;

  constructor(
    readonly manifest: IndexManifest,
    readonly documents: SegmentedDocument[],
    /** For each document, the store label of each of its chunks. */
    readonly chunkLabels: number[][],
    readonly store: HnswVectorStore,
    readonly lexical: LexicalIndex,
    /** Unit sentence vectors, `dimensions` floats each, documents in order. */
    readonly sentenceVectors: Float32Array,
  ) {
    this.chunkRefs = [];
    chunkLabels.forEach((labels, doc) => labels.forEach((label, chunk) => (this.chunkRefs[label] = { doc, chunk })));
    this.bySource = new Map(documents.map((segmented) => [segmented.document.source, segmented]));
    this.sentenceBase = [];
    let base = 0;
    for (const segmented of documents) {
      this.sentenceBase.push(base);
      base += segmented.sentences.length;
    }
  }

  /** The document with this source path (relative to the corpus directory). */
  documentBySource(source: string): SegmentedDocument | undefined {
    return this.bySource.get(source);
  }

  get dimensions(): number {
    return this.manifest.embeddings.dimensions;
  }

  chunk(label: number): { segmented: SegmentedDocument; chunk: Chunk } {
    const ref = this.chunkRefs[label]!;
    const segmented = this.documents[ref.doc]!;
    return { segmented, chunk: segmented.chunks[ref.chunk]! };
  }

  sentence(ref: SentenceRef): Sentence {
    return this.documents[ref.doc]!.sentences[ref.sentence]!;
  }

  /** A sentence's text as its article has it. */
  sentenceText(ref: SentenceRef): string {
    const sentence = this.sentence(ref);
    return this.documents[ref.doc]!.document.body.slice(sentence.start, sentence.end);
  }

  /**
   * Sentence-level vocabulary, made on the first question (not at load: a CLI command that
   * never asks should not pay for it).
   */
  get lexicon(): SentenceLexicon {
    return (this.sentenceLexicon ??= new SentenceLexicon(this.documents));
  }

  /** The sentence's number across the whole index, as {@link SentenceLexicon} counts them. */
  sentenceId(ref: SentenceRef): number {
    return this.sentenceBase[ref.doc]! + ref.sentence;
  }

  /** The stored unit vector of a sentence (a view, not a copy). */
  sentenceVector(ref: SentenceRef): Float32Array {
    const row = this.sentenceId(ref);
    return this.sentenceVectors.subarray(row * this.dimensions, (row + 1) * this.dimensions);
  }
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes an index to `indexDir` atomically: everything goes to a sibling temporary directory
 * that replaces `indexDir` only once complete, so a failed build leaves the previous index.
 */
export async function saveIndex(index: CorpusIndex, indexDir: string): Promise<void> {
  const parent = path.dirname(path.resolve(indexDir));
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const temporary = path.join(parent, `.${path.basename(indexDir)}.building-${stamp}`);
  const retired = path.join(parent, `.${path.basename(indexDir)}.old-${stamp}`);
  try {
    await mkdir(temporary, { recursive: true });
    await index.store.save(temporary);
    const vectors = index.sentenceVectors;
    await writeFile(path.join(temporary, FILES.sentenceVectors), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    await writeFile(path.join(temporary, FILES.corpus), JSON.stringify({ documents: index.documents, chunkLabels: index.chunkLabels }));
    await writeFile(path.join(temporary, FILES.lexical), index.lexical.toJSON());
    const files: Record<string, string> = {};
    for (const name of [FILES.graph, FILES.docstore, FILES.sentenceVectors, FILES.corpus, FILES.lexical]) {
      files[name] = sha256(await readFile(path.join(temporary, name)));
    }
    index.manifest.files = files;
    await writeFile(path.join(temporary, FILES.manifest), JSON.stringify(index.manifest, null, 2));
    const hadIndex = await stat(indexDir).then(() => true, () => false);
    if (hadIndex) await rename(indexDir, retired);
    await rename(temporary, indexDir);
  } finally {
    await rm(temporary, { recursive: true, force: true });
    await rm(retired, { recursive: true, force: true });
  }
}

async function readManifest(indexDir: string): Promise<IndexManifest> {
  let text: string;
  try {
    text = await readFile(path.join(indexDir, FILES.manifest), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const entries = await readdir(indexDir).catch(() => []);
    if (code === 'ENOENT' && entries.length === 0) throw new IndexNotFoundError(indexDir);
    throw new IndexCorruptError(indexDir, code === 'ENOENT' ? 'manifest.json is missing' : `manifest.json cannot be read: ${code}`, { cause: error });
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new IndexCorruptError(indexDir, 'manifest.json is not valid JSON', { cause: error });
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new IndexCorruptError(indexDir, problem);
  return manifest as IndexManifest;
}

/**
 * Loads the index in `indexDir` for querying with `embeddings`.
 *
 * @throws {@link IndexNotFoundError} when there is none
 * @throws {@link IndexMismatchError} when another embedding model built it
 * @throws {@link IndexCorruptError} when a file is missing, truncated or altered
 */
export async function loadIndex(indexDir: string, embeddings: DescribedEmbeddings): Promise<CorpusIndex> {
  const manifest = await readManifest(indexDir);
  const built = manifest.embeddings;
  const configured = embeddings.info;
  if (built.provider !== configured.provider || built.model !== configured.model || (configured.dimensions > 0 && built.dimensions !== configured.dimensions)) {
    throw new IndexMismatchError(indexDir, describeEmbeddings(built), describeEmbeddings(configured));
  }
  const contents = new Map<string, Buffer>();
  for (const [name, hash] of Object.entries(manifest.files)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(indexDir, name));
    } catch (error) {
      throw new IndexCorruptError(indexDir, `${name} is missing`, { cause: error });
    }
    if (sha256(bytes) !== hash) throw new IndexCorruptError(indexDir, `${name} is truncated or altered`);
    contents.set(name, bytes);
  }
  try {
    const { documents, chunkLabels } = JSON.parse(contents.get(FILES.corpus)!.toString('utf8')) as { documents: SegmentedDocument[]; chunkLabels: number[][] };
    const vectorBytes = contents.get(FILES.sentenceVectors)!;
    const sentenceVectors = new Float32Array(vectorBytes.buffer.slice(vectorBytes.byteOffset, vectorBytes.byteOffset + vectorBytes.byteLength));
    const lexical = LexicalIndex.fromJSON(contents.get(FILES.lexical)!.toString('utf8'));
    const store = await HnswVectorStore.load(indexDir, embeddings);
    const consistent =
      Array.isArray(documents) &&
      Array.isArray(chunkLabels) &&
      documents.length === manifest.documents.length &&
      chunkLabels.length === documents.length &&
      documents.every(
        (doc, i) =>
          typeof doc.document?.body === 'string' &&
          doc.document.source === manifest.documents[i]!.source &&
          doc.chunks?.length === chunkLabels[i]!.length &&
          chunkLabels[i]!.every((label) => store.documentAt(label) !== undefined),
      ) &&
      documents.reduce((sum, doc) => sum + doc.chunks.length, 0) === manifest.chunkCount &&
      documents.reduce((sum, doc) => sum + (doc.sentences?.length ?? NaN), 0) === manifest.sentenceCount &&
      sentenceVectors.length === manifest.sentenceCount * built.dimensions &&
      store.size === manifest.chunkCount &&
      lexical.size === manifest.chunkCount;
    if (!consistent) throw new Error('the counts of the manifest and of the files disagree');
    return new CorpusIndex(manifest, documents, chunkLabels, store, lexical, sentenceVectors);
  } catch (error) {
    throw new IndexCorruptError(indexDir, (error as Error).message, { cause: error });
  }
}
