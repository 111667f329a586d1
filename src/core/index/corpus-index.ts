import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { yieldToEventLoop } from '../event-loop.js';
import { diskFullOr, errorCode, ForeignIndexFolderError, IndexCorruptError, IndexMismatchError, IndexNotFoundError } from '../errors.js';
import { describeEmbeddings, type DescribedEmbeddings } from './embeddings/provider.js';
import { AcronymTable } from './acronym-table.js';
import { BlockFile, blockHashes, fileHashOfBlocks } from './block-file.js';
import { readCorpusFile, writeCorpusFile } from './corpus-file.js';
import { HNSW_FILES, type IndexGraph } from './hnsw-store.js';
import { LoadedGraph } from './loaded-graph.js';
import { LexicalIndex } from './lexical.js';
import { isVerbatimManifest, MANIFEST_FILE, manifestProblem, type IndexManifest } from './manifest.js';
import { SentenceLexicon } from './sentence-lexicon.js';
import { SentenceVectors } from './sentence-vectors.js';
import type { Chunk, SegmentedDocument, Sentence } from './segment.js';
import { HASH_HEX, type QuoteReference } from './reference.js';

const FILES = {
  manifest: MANIFEST_FILE,
  corpus: 'corpus.bin',
  sentenceVectors: 'sentences.f32',
  lexical: 'lexical.bin',
  lexicon: 'lexicon.bin',
  ...HNSW_FILES,
} as const;

/** What {@link loadIndex} finds in an index's files, to check against its manifest. */
export interface IndexFileCounts {
  /** Documents in corpus.bin. */
  documents: number;
  /** The documents' sources, in order, as corpus.bin lists them. */
  sources: readonly string[];
  /** Whether each chunk in corpus.bin has a label of its own that the graph holds and has not deleted. */
  labelsOwnedOnce: boolean;
  /** Chunk labels in corpus.bin. */
  chunkLabels: number;
  /** Sentences in corpus.bin. */
  sentences: number;
  /** Floats in sentences.f32. */
  vectorFloats: number;
  /** The size of a vector. */
  dimensions: number;
  /** Live chunks in the graph. */
  graphSize: number;
  /** Chunks in lexical.bin. */
  lexicalSize: number;
  /** Sentences in lexicon.bin. */
  lexiconSize: number;
  /** Documents in lexicon.bin. */
  lexiconDocuments: number;
}

/**
 * Which check of an index's files against its manifest fails first, in words; `undefined` when
 * every count agrees. With the counts equal, every live label of the graph is one chunk's and the
 * labels it marks deleted are exactly those no chunk has.
 */
export function inconsistency(manifest: Pick<IndexManifest, 'documents' | 'chunkCount' | 'sentenceCount'>, files: IndexFileCounts): string | undefined {
  const documents = manifest.documents.length;
  const checks: [ok: boolean, problem: () => string][] = [
    [files.documents === documents, () => `the manifest lists ${documents} documents, ${FILES.corpus} holds ${files.documents}`],
    [
      files.sources.every((source, i) => source === manifest.documents[i]!.source),
      () => `${FILES.corpus} lists other documents than the manifest, or in another order`,
    ],
    [files.labelsOwnedOnce, () => `the chunks of ${FILES.corpus} do not each have a graph label of their own`],
    [files.chunkLabels === manifest.chunkCount, () => `the manifest counts ${manifest.chunkCount} chunks, ${FILES.corpus} holds ${files.chunkLabels}`],
    [files.sentences === manifest.sentenceCount, () => `the manifest counts ${manifest.sentenceCount} sentences, ${FILES.corpus} holds ${files.sentences}`],
    [
      files.vectorFloats === manifest.sentenceCount * files.dimensions,
      () => `${FILES.sentenceVectors} holds ${files.vectorFloats} numbers, not ${manifest.sentenceCount} vectors of ${files.dimensions}`,
    ],
    [files.graphSize === manifest.chunkCount, () => `the manifest counts ${manifest.chunkCount} chunks, the graph holds ${files.graphSize}`],
    [files.lexicalSize === manifest.chunkCount, () => `the manifest counts ${manifest.chunkCount} chunks, ${FILES.lexical} holds ${files.lexicalSize}`],
    [
      files.lexiconSize === manifest.sentenceCount,
      () => `the manifest counts ${manifest.sentenceCount} sentences, ${FILES.lexicon} holds ${files.lexiconSize}`,
    ],
    [files.lexiconDocuments === documents, () => `the manifest lists ${documents} documents, ${FILES.lexicon} holds ${files.lexiconDocuments}`],
  ];
  return checks.find(([ok]) => !ok)?.[1]();
}

/**
 * The names of the files a saved index folder holds: nothing else is ever written to one. With
 * `chunks.docstore.json` and `lexical.json`, which indexes before format 3 held, and `corpus.json`,
 * which they held before format 4, so that what an interrupted save of an earlier version left is
 * still recognised as ours.
 */
export const INDEX_FILE_NAMES: readonly string[] = [...Object.values(FILES), 'chunks.docstore.json', 'lexical.json', 'corpus.json'];

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
 * bodies, so quotes are checked against exactly what was indexed), the HNSW graph of their
 * chunks, the lexical index, and one vector per sentence for evidence selection.
 */
export class CorpusIndex {
  private readonly openFiles: readonly BlockFile[];
  /** Chunk label → location; deleted labels (after incremental reindexes) are holes. */
  readonly chunkRefs: (ChunkRef | undefined)[];
  /** Index of each document's first sentence in {@link sentenceVectors}. */
  private readonly sentenceBase: number[];
  /** Source → position in {@link documents}. */
  private readonly bySource: Map<string, number>;
  private sentenceLexicon: SentenceLexicon | undefined;
  private acronymTable: AcronymTable | undefined;
  /** First {@link HASH_HEX} hex digits of each document's file hash → position in {@link documents}, made on first use. */
  private byHash: Map<string, number> | undefined;

  constructor(
    readonly manifest: IndexManifest,
    readonly documents: SegmentedDocument[],
    /** For each document, the graph label of each of its chunks. */
    readonly chunkLabels: number[][],
    readonly graph: IndexGraph,
    readonly lexical: LexicalIndex,
    readonly sentenceVectors: SentenceVectors,
    /** The documents' sentence-level vocabulary and acronym table, when already made (a build makes them, a load reads them). */
    made: { lexicon?: SentenceLexicon; acronyms?: AcronymTable } = {},
    /**
     * Each document's source and sentence count, when known without reading the documents (a load
     * reads them from the corpus file, whose documents are made on first use), and the chunk of each
     * label when already made.
     */
    layout?: {
      sources: readonly string[];
      sentenceCounts: readonly number[];
      chunkRefs?: (ChunkRef | undefined)[];
      /** The files a load left open, to read on demand: see {@link CorpusIndex.close}. */
      openFiles?: readonly BlockFile[];
    },
  ) {
    this.openFiles = layout?.openFiles ?? [];
    this.sentenceLexicon = made.lexicon;
    this.acronymTable = made.acronyms;
    if (layout?.chunkRefs) {
      this.chunkRefs = layout.chunkRefs;
    } else {
      this.chunkRefs = [];
      chunkLabels.forEach((labels, doc) => labels.forEach((label, chunk) => (this.chunkRefs[label] = { doc, chunk })));
    }
    const sources = layout?.sources ?? documents.map((segmented) => segmented.document.source);
    this.bySource = new Map(sources.map((source, doc) => [source, doc]));
    this.sentenceBase = [];
    let base = 0;
    for (const [doc, segmented] of documents.entries()) {
      this.sentenceBase.push(base);
      base += layout?.sentenceCounts[doc] ?? segmented.sentences.length;
    }
  }

  /**
   * The sentence a {@link QuoteReference} names, if this index holds its document unchanged (the
   * same file hash, or hash prefix) and the document has that sentence.
   */
  referenced(reference: QuoteReference): { segmented: SegmentedDocument; position: number } | undefined {
    if (reference.documentHash.length < HASH_HEX) return undefined;
    this.byHash ??= new Map(this.manifest.documents.map((document, doc) => [document.hash.slice(0, HASH_HEX), doc]));
    const doc = this.byHash.get(reference.documentHash.slice(0, HASH_HEX));
    if (doc === undefined || !this.manifest.documents[doc]!.hash.startsWith(reference.documentHash)) return undefined;
    const segmented = this.documents[doc]!;
    return reference.sentence < segmented.sentences.length ? { segmented, position: reference.sentence } : undefined;
  }

  /** The document with this source path (relative to the corpus directory). */
  documentBySource(source: string): SegmentedDocument | undefined {
    const doc = this.bySource.get(source);
    return doc === undefined ? undefined : this.documents[doc];
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
   * Sentence-level vocabulary: saved with the index, or (for an index made without it) made
   * from the documents on first use.
   */
  get lexicon(): SentenceLexicon {
    return (this.sentenceLexicon ??= SentenceLexicon.of(this.documents));
  }

  /**
   * Where acronyms may be spelt out in the documents: saved with the index, or (for an index made
   * without it) made from the documents on first use.
   */
  get acronyms(): AcronymTable {
    return (this.acronymTable ??= AcronymTable.of(this.documents));
  }

  /**
   * Makes now, in slices that leave the event loop free, what the first question would
   * otherwise make in one block when the index has no {@link lexicon} or {@link acronyms} yet:
   * call it before a serving bot swaps this index in.
   */
  async prepare(): Promise<void> {
    this.sentenceLexicon ??= await SentenceLexicon.build(this.documents);
    this.acronymTable ??= await AcronymTable.build(this.documents);
  }

  /**
   * Closes the files a load left open to read on demand. Call it once nothing will read this index
   * again: an index replaced by a reindex otherwise keeps its deleted files' disk space until the
   * garbage collector finds it. Blocks already read stay readable. Nothing to do for an index built in memory.
   */
  close(): void {
    for (const file of this.openFiles) file.close();
  }

  /** The sentence's number across the whole index, as {@link SentenceLexicon} counts them. */
  sentenceId(ref: SentenceRef): number {
    return this.sentenceBase[ref.doc]! + ref.sentence;
  }

  /**
   * The stored unit vector of a sentence (a view, not a copy).
   *
   * @throws {@link IndexCorruptError} when it is read from a damaged file
   */
  sentenceVector(ref: SentenceRef): Float32Array {
    const row = this.sentenceId(ref);
    return this.sentenceVectors.rows(row, row + 1);
  }
}

/** The SHA-256 of a file, read in pieces: the sentence vectors of a large corpus are hundreds of MB. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** What an index directory holds, as far as reading or replacing it is concerned. */
type IndexFolder =
  /** Nothing: the path does not exist, or is an empty folder. */
  | { kind: 'none' }
  /** An index some version of Verbatim wrote: a manifest of ours, and only the files it lists. */
  | { kind: 'index'; manifest: unknown }
  /** Anything else, with what shows it: never read, replaced or deleted. */
  | { kind: 'foreign'; reason: string };

const NONE: IndexFolder = { kind: 'none' };
const foreign = (reason: string): IndexFolder => ({ kind: 'foreign', reason });

/** A few names of a folder's entries, in order, for a message. */
function someNames(names: string[], shown = 5): string {
  const listed = [...names].sort().slice(0, shown).join(', ');
  return names.length > shown ? `${listed} and ${names.length - shown} more` : listed;
}

/**
 * Looks at what is at `indexDir` (following links) without changing anything. Only an
 * index whose manifest proves Verbatim wrote it may be replaced: a mistyped `--index` must
 * never cost anyone their files.
 */
export async function inspectIndexFolder(indexDir: string): Promise<IndexFolder> {
  try {
    if (!(await stat(indexDir)).isDirectory()) return foreign('it is a file, not a folder');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') return foreign(`it cannot be examined: ${errorCode(error)}`);
    const danglingLink = await lstat(indexDir).then(
      () => true,
      () => false,
    );
    return danglingLink ? foreign('it is a link to something that does not exist') : NONE;
  }
  let entries;
  try {
    entries = await readdir(indexDir, { withFileTypes: true });
  } catch (error) {
    return foreign(`it cannot be listed: ${errorCode(error)}`);
  }
  if (entries.length === 0) return NONE;
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(path.join(indexDir, FILES.manifest), 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return foreign(`its ${FILES.manifest} is not valid JSON`);
    if (errorCode(error) === 'ENOENT') return foreign(`it holds ${someNames(entries.map((entry) => entry.name))} and no ${FILES.manifest}`);
    return foreign(`its ${FILES.manifest} cannot be read: ${errorCode(error)}`);
  }
  if (!isVerbatimManifest(manifest)) return foreign(`its ${FILES.manifest} is not one Verbatim wrote`);
  const listed = new Set<string>([FILES.manifest, ...Object.keys(manifest.files)]);
  const unlisted = entries.filter((entry) => !entry.isFile() || !listed.has(entry.name)).map((entry) => entry.name);
  if (unlisted.length > 0) return foreign(`it also holds ${someNames(unlisted)}, which its manifest does not list`);
  return { kind: 'index', manifest };
}

/**
 * Checks, without changing anything, that a build may be saved to `indexDir`: nothing is
 * there, an empty folder, or an index Verbatim wrote. Called before a build so that a wrong
 * folder is refused before minutes of embedding, and again by {@link saveIndex}.
 *
 * @throws {@link ForeignIndexFolderError} for anything else
 */
export async function assertIndexFolderReplaceable(indexDir: string): Promise<void> {
  const folder = await inspectIndexFolder(indexDir);
  if (folder.kind === 'foreign') throw new ForeignIndexFolderError(indexDir, folder.reason);
}

/** Writes `bytes` to `file`; returns their block hashes, taken from memory instead of the file read back. */
async function writeHashedFile(file: string, bytes: Uint8Array): Promise<string> {
  await writeFile(file, bytes);
  return blockHashes(bytes);
}

/**
 * Writes an index to `indexDir` atomically: everything goes to a sibling temporary directory
 * that replaces `indexDir` only once complete, so a failed build leaves the previous index.
 * Only an index Verbatim wrote (or an empty folder) is ever replaced.
 *
 * @throws {@link ForeignIndexFolderError} when `indexDir` holds anything else (it is left as it is)
 * @throws {@link DiskFullError} when the disk is full (the previous index is left as it is)
 */
export async function saveIndex(index: CorpusIndex, indexDir: string): Promise<void> {
  await assertIndexFolderReplaceable(indexDir);
  // Replace the folder a link points to, not the link: an admin's link to a bigger disk stays.
  const target = await realpath(indexDir).catch(() => path.resolve(indexDir));
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const temporary = path.join(parent, `.${path.basename(target)}.building-${stamp}`);
  const retired = path.join(parent, `.${path.basename(target)}.old-${stamp}`);
  let madeTemporary = false;
  let retiredOld = false;
  let replaced = false;
  let graphHashing: Promise<string> | undefined;
  try {
    // Not recursive: fails rather than write into a folder that happens to have this name.
    await mkdir(temporary);
    madeTemporary = true;
    // Hashed as written, except the graph: hnswlib writes it on a thread of its own, then it is
    // read back for its hash, while this thread writes the other files.
    const graphFile = path.join(temporary, FILES.graph);
    graphHashing = index.graph.save(graphFile).then(() => sha256OfFile(graphFile));
    // Its failure is thrown where it is awaited; until then it is not an unhandled rejection.
    graphHashing.catch(() => undefined);
    const sentenceBlocks = await writeHashedFile(path.join(temporary, FILES.sentenceVectors), index.sentenceVectors.bytes());
    await index.prepare();
    const corpusBlocks = await writeCorpusFile(path.join(temporary, FILES.corpus), index.documents, index.chunkLabels, index.acronyms);
    const lexicalBlocks = await writeHashedFile(path.join(temporary, FILES.lexical), index.lexical.toBinary());
    const lexiconBlocks = await writeHashedFile(path.join(temporary, FILES.lexicon), index.lexicon.toBinary());
    const files: Record<string, string> = { [FILES.graph]: await graphHashing };
    const blocks: Record<string, string> = {};
    const record = (name: string, hashes: string) => {
      files[name] = fileHashOfBlocks(hashes);
      blocks[name] = hashes;
    };
    record(FILES.sentenceVectors, sentenceBlocks);
    record(FILES.corpus, corpusBlocks);
    record(FILES.lexical, lexicalBlocks);
    record(FILES.lexicon, lexiconBlocks);
    index.manifest.files = files;
    index.manifest.blocks = blocks;
    await writeFile(path.join(temporary, FILES.manifest), JSON.stringify(index.manifest, null, 2));
    // Checked again: the folder may have changed during a long build.
    const folder = await inspectIndexFolder(target);
    if (folder.kind === 'foreign') throw new ForeignIndexFolderError(indexDir, folder.reason);
    if (folder.kind === 'index') {
      await rename(target, retired);
      retiredOld = true;
    }
    // rename() replaces an empty folder but fails on a non-empty one: nothing unchecked is lost.
    await rename(temporary, target);
    replaced = true;
  } catch (error) {
    // The graph's writer is waited for, so that nothing writes into the folder removed below.
    await graphHashing?.catch(() => undefined);
    throw diskFullOr(error, indexDir);
  } finally {
    if (madeTemporary) await rm(temporary, { recursive: true, force: true });
    // When the new index did not take its place, the retired one is the only index left: kept for
    // the next start or build to put back (see leftovers.ts).
    if (retiredOld && replaced) await rm(retired, { recursive: true, force: true });
  }
}

async function readManifest(indexDir: string): Promise<IndexManifest> {
  const folder = await inspectIndexFolder(indexDir);
  if (folder.kind === 'none') throw new IndexNotFoundError(indexDir);
  if (folder.kind === 'foreign') throw new ForeignIndexFolderError(indexDir, folder.reason);
  const problem = manifestProblem(folder.manifest);
  if (problem) throw new IndexCorruptError(indexDir, problem);
  return folder.manifest as IndexManifest;
}

/** Bytes read per call: a few MB per read instead of readFile's 512 KiB, each a round trip to the thread pool. */
const READ_PIECE = 4 << 20;

/**
 * Reads the files of an index: whole, checked against the SHA-256 its manifest lists (read in pieces
 * into one buffer, a piece hashed while the next one is read), or on demand, each block checked
 * against the hashes the manifest lists.
 */
class IndexFileReader {
  constructor(
    private readonly indexDir: string,
    private readonly manifest: Pick<IndexManifest, 'files' | 'blocks'>,
  ) {}

  /**
   * The file, to be read on demand.
   *
   * @throws {@link IndexCorruptError} when it is missing, unreadable or truncated
   */
  onDemand(name: string): BlockFile {
    const hashes = this.manifest.blocks[name];
    if (hashes === undefined) throw new IndexCorruptError(this.indexDir, `the manifest lists no blocks of ${name}`);
    return BlockFile.open(this.indexDir, name, hashes);
  }

  /**
   * The whole file, checked, in a buffer of its own.
   *
   * @throws {@link IndexCorruptError} when it is missing, unreadable, truncated or altered
   */
  async read(name: string): Promise<Buffer> {
    const expected = this.manifest.files[name];
    if (expected === undefined) throw new IndexCorruptError(this.indexDir, `the manifest lists no ${name}`);
    let handle;
    try {
      handle = await open(path.join(this.indexDir, name), 'r');
    } catch (error) {
      throw new IndexCorruptError(this.indexDir, `${name} is missing`, { cause: error });
    }
    try {
      const { size } = await handle.stat();
      const bytes = Buffer.allocUnsafeSlow(size);
      const hash = createHash('sha256');
      const readAt = (offset: number) => handle.read(bytes, offset, Math.min(READ_PIECE, size - offset), offset);
      let offset = 0;
      let pending = size > 0 ? readAt(0) : undefined;
      while (pending !== undefined) {
        const { bytesRead } = await pending;
        if (bytesRead === 0) break;
        const start = offset;
        offset += bytesRead;
        pending = offset < size ? readAt(offset) : undefined;
        hash.update(bytes.subarray(start, offset));
      }
      if (offset !== size || hash.digest('hex') !== expected) throw new IndexCorruptError(this.indexDir, `${name} is truncated or altered`);
      return bytes;
    } catch (error) {
      if (error instanceof IndexCorruptError) throw error;
      throw new IndexCorruptError(this.indexDir, `${name} is missing`, { cause: error });
    } finally {
      await handle.close();
    }
  }
}

/**
 * Loads the index in `indexDir` for querying with `embeddings`. Only the graph is read whole; the sentence
 * vectors, the documents (bodies, sentences, chunks), the postings and the sentences' words stay in their
 * files apart from small tables, read and checked block by block where a question needs them: damage
 * there is found then, as an {@link IndexCorruptError}, unless `checkEveryBlock` reads and checks them
 * all now (for a build that reuses the index: damage then makes it start afresh instead of failing midway).
 *
 * @throws {@link IndexNotFoundError} when there is none
 * @throws {@link ForeignIndexFolderError} when the folder holds something Verbatim did not write
 * @throws {@link IndexMismatchError} when another embedding model built it
 * @throws {@link IndexCorruptError} when a file is missing, truncated or altered
 */
export async function loadIndex(indexDir: string, embeddings: DescribedEmbeddings, options: { checkEveryBlock?: boolean } = {}): Promise<CorpusIndex> {
  const manifest = await readManifest(indexDir);
  const built = manifest.embeddings;
  const configured = embeddings.info;
  if (built.provider !== configured.provider || built.model !== configured.model || (configured.dimensions > 0 && built.dimensions !== configured.dimensions)) {
    throw new IndexMismatchError(indexDir, describeEmbeddings(built), describeEmbeddings(configured));
  }
  const files = new IndexFileReader(indexDir, manifest);
  // Closed again if the load fails: only a loaded index owns them (see CorpusIndex.close).
  const opened: BlockFile[] = [];
  const onDemand = (name: string) => {
    const file = files.onDemand(name);
    opened.push(file);
    return file;
  };
  try {
    const corpusFile = onDemand(FILES.corpus);
    const vectorFile = onDemand(FILES.sentenceVectors);
    const lexicalFile = onDemand(FILES.lexical);
    const lexiconFile = onDemand(FILES.lexicon);
    if (options.checkEveryBlock) for (const file of [corpusFile, vectorFile, lexicalFile, lexiconFile]) await file.readAll();
    // Kept and searched where its bytes lie (see LoadedGraph): hnswlib reads the graph only when a reindex copies it to change.
    const graphBytes = await files.read(FILES.graph);
    let graph: LoadedGraph;
    try {
      graph = LoadedGraph.fromBytes(graphBytes, built.dimensions, manifest.hnsw);
    } catch (error) {
      throw new IndexCorruptError(indexDir, (error as Error).message, { cause: error });
    }
    await yieldToEventLoop();
    try {
      const corpus = readCorpusFile(corpusFile, indexDir);
      const { documents, chunkLabels } = corpus;
      if (options.checkEveryBlock) corpus.makeSpans();
      const sentenceVectors = SentenceVectors.onDemand(vectorFile, built.dimensions);
      await yieldToEventLoop();
      const lexical = LexicalIndex.fromBinary(lexicalFile);
      await yieldToEventLoop();
      const lexicon = SentenceLexicon.fromBinary(lexiconFile);
      await yieldToEventLoop();
      // Each chunk has a live label of its own; with the counts equal below, every live label is one chunk's
      // and the labels the graph marks deleted are exactly those no chunk has.
      const labelCount = graph.labelCount;
      const claimed = new Uint8Array(labelCount);
      for (const label of graph.deletedLabels) claimed[label] = 1;
      let claimedAll = true;
      for (const label of corpus.labels) {
        if (label >= labelCount || claimed[label] === 1) claimedAll = false;
        claimed[label] = 1;
      }
      const problem = inconsistency(manifest, {
        documents: documents.length,
        sources: corpus.sources,
        labelsOwnedOnce: claimedAll,
        chunkLabels: corpus.labels.length,
        sentences: corpus.sentenceCounts.reduce((sum, count) => sum + count, 0),
        vectorFloats: sentenceVectors.floats,
        dimensions: built.dimensions,
        graphSize: graph.size,
        lexicalSize: lexical.size,
        lexiconSize: lexicon.size,
        lexiconDocuments: lexicon.documentWords.length,
      });
      if (problem !== undefined) throw new Error(`the manifest and the files disagree: ${problem}`);
      await yieldToEventLoop();
      // One object per chunk: made in slices, as a serving bot answers meanwhile.
      const chunkRefs: (ChunkRef | undefined)[] = new Array<ChunkRef | undefined>(labelCount).fill(undefined);
      for (const [doc, labels] of chunkLabels.entries()) {
        labels.forEach((label, chunk) => (chunkRefs[label] = { doc, chunk }));
        if (doc % 256 === 255) await yieldToEventLoop();
      }
      return new CorpusIndex(
        manifest,
        documents,
        chunkLabels,
        graph,
        lexical,
        sentenceVectors,
        { lexicon, acronyms: corpus.acronyms },
        { ...corpus, chunkRefs, openFiles: opened },
      );
    } catch (error) {
      if (error instanceof IndexCorruptError) throw error;
      throw new IndexCorruptError(indexDir, (error as Error).message, { cause: error });
    }
  } catch (error) {
    for (const file of opened) file.close();
    throw error;
  }
}
