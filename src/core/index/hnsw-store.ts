import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { SaveableVectorStore } from '@langchain/core/vectorstores';
import hnswlib from 'hnswlib-node';
import { assertRoomLeftAfterWriting } from '../disk-space.js';
import { checkHnswFile } from './hnsw-file.js';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface HnswParameters {
  /** Graph degree: links per node. */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Candidate list size while searching (at least k). */
  efSearch: number;
}

/**
 * Chosen by `bench/hnsw-params.ts` (recall@20 against exact search, on the State of the Union
 * and on 10 times as much): a wider search list finds more of the true neighbours than a wider
 * construction list, for a fraction of a millisecond per question instead of a third more
 * build time. With M 16, efConstruction 100 and efSearch 128 reach recall@20 0.988 at 1× and
 * 0.967 at 10×, where 200 and 64 reached 0.973 and 0.940, inserting in half the time (80 CPU
 * seconds instead of 157 at 10×).
 */
export const DEFAULT_HNSW: HnswParameters = { m: 16, efConstruction: 100, efSearch: 128 };

/** File names inside the directory a store is saved to. */
export const HNSW_FILES = { graph: 'chunks.hnsw', docstore: 'chunks.docstore.json' } as const;

interface StoreArgs {
  dimensions: number;
  parameters?: HnswParameters;
}

/**
 * A LangChain vector store over an `hnswlib-node` HNSW graph in cosine space.
 *
 * Scores returned by {@link HnswVectorStore.similaritySearchVectorWithScore} are cosine
 * similarities: **higher is better**, 1 for the same direction.
 */
export class HnswVectorStore extends SaveableVectorStore {
  declare FilterType: (document: DocumentInterface) => boolean;

  private readonly graph: Hnsw;
  /** Label-indexed; a deleted label keeps its slot as `null` so labels never move. */
  private readonly documents: (DocumentInterface | null)[] = [];
  private deleted: number;
  readonly dimensions: number;
  private readonly parameters: HnswParameters;

  constructor(embeddings: EmbeddingsInterface, args: StoreArgs, graph?: Hnsw, documents: (DocumentInterface | null)[] = []) {
    super(embeddings, args);
    this.dimensions = args.dimensions;
    this.parameters = args.parameters ?? DEFAULT_HNSW;
    this.graph = graph ?? new HierarchicalNSW('cosine', args.dimensions);
    if (!graph) this.graph.initIndex({ maxElements: 16, m: this.parameters.m, efConstruction: this.parameters.efConstruction, randomSeed: 100 });
    this.documents = documents;
    this.deleted = documents.filter((doc) => doc === null).length;
    this.graph.setEf(this.parameters.efSearch);
  }

  override _vectorstoreType(): string {
    return 'hnswlib-node';
  }

  /** Number of live (not deleted) vectors in the store. */
  get size(): number {
    return this.documents.length - this.deleted;
  }

  /** Labels handed out so far, deleted ones included: the next label is this number. */
  get labelCount(): number {
    return this.documents.length;
  }

  /** Share of labels that are deleted: past some share, a rebuild is cheaper to search. */
  get deletedShare(): number {
    return this.documents.length === 0 ? 0 : this.deleted / this.documents.length;
  }

  /** The stored document with label `label` (labels are insertion order, from 0); `undefined` if deleted or unknown. */
  documentAt(label: number): DocumentInterface | undefined {
    return this.documents[label] ?? undefined;
  }

  /** Removes vectors from search results for good; their labels are not reused. */
  deleteLabels(labels: Iterable<number>): void {
    for (const label of labels) {
      if (this.documents[label] === null || this.documents[label] === undefined) continue;
      this.graph.markDelete(label);
      this.documents[label] = null;
      this.deleted++;
    }
  }

  /**
   * An independent copy (graph and documents), to update while this one keeps serving.
   * hnswlib has no copy call, so the graph goes through its own file format.
   *
   * @throws {@link DiskFullError} when `scratchDir`'s disk has no room for that file
   */
  async clone(scratchDir: string): Promise<HnswVectorStore> {
    const file = path.join(scratchDir, `clone-${process.pid}-${Date.now()}.hnsw`);
    try {
      await this.graph.writeIndex(file);
      await assertRoomLeftAfterWriting(file);
      const graph = new HierarchicalNSW('cosine', this.dimensions);
      await graph.readIndex(file);
      return new HnswVectorStore(this.embeddings, { dimensions: this.dimensions, parameters: this.parameters }, graph, [...this.documents]);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The stored vector for `label`, normalised to unit length (cosine space stores it so). */
  vectorAt(label: number): number[] {
    return this.graph.getPoint(label);
  }

  /**
   * Makes room for `labels` labels in all, deleted ones included, at once: adding past the room
   * grows the graph by copying it, and doubling leaves up to half of it unused.
   */
  reserve(labels: number): void {
    if (labels > this.graph.getMaxElements()) this.graph.resizeIndex(labels);
  }

  override async addVectors(vectors: number[][], documents: DocumentInterface[]): Promise<string[]> {
    if (vectors.length !== documents.length) throw new Error(`addVectors: ${vectors.length} vectors for ${documents.length} documents`);
    const needed = this.documents.length + vectors.length;
    if (needed > this.graph.getMaxElements()) this.graph.resizeIndex(Math.max(needed, this.graph.getMaxElements() * 2));
    const ids: string[] = [];
    vectors.forEach((vector, i) => {
      if (vector.length !== this.dimensions) throw new Error(`addVectors: a vector has ${vector.length} dimensions, the store ${this.dimensions}`);
      const label = this.documents.length;
      this.graph.addPoint(vector, label);
      this.documents.push(documents[i]!);
      ids.push(String(label));
    });
    return ids;
  }

  override async addDocuments(documents: DocumentInterface[]): Promise<string[]> {
    return this.addVectors(await this.embeddings.embedDocuments(documents.map((doc) => doc.pageContent)), documents);
  }

  /** Like {@link similaritySearchVectorWithScore}, with labels instead of documents. */
  searchLabels(query: number[], k: number, filter?: this['FilterType']): { label: number; score: number }[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    if (query.length !== this.dimensions) throw new Error(`query has ${query.length} dimensions, the store ${this.dimensions}`);
    this.graph.setEf(Math.max(this.parameters.efSearch, count));
    const labelFilter = filter ? (label: number) => this.documents[label] != null && filter(this.documents[label]) : undefined;
    const { neighbors, distances } = this.graph.searchKnn(query, count, labelFilter);
    return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
  }

  override async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    return this.searchLabels(query, k, filter).map(({ label, score }) => [this.documents[label]!, score]);
  }

  override async save(directory: string): Promise<void> {
    const graphFile = path.join(directory, HNSW_FILES.graph);
    await this.graph.writeIndex(graphFile);
    await assertRoomLeftAfterWriting(graphFile);
    const docstore = this.documents.map((doc) => doc && { pageContent: doc.pageContent, metadata: doc.metadata });
    await writeFile(path.join(directory, HNSW_FILES.docstore), JSON.stringify({ dimensions: this.dimensions, parameters: this.parameters, documents: docstore }));
  }

  /**
   * Loads a store saved by {@link save}. The caller checks the files' integrity first (the
   * index manifest holds their hashes); the graph's structure is checked here too, because
   * the native reader trusts its input and a damaged graph whose hash was recomputed would
   * crash the process on its first search instead of failing to load.
   *
   * @throws Error naming the broken rule when the graph is damaged or disagrees with the docstore
   */
  static override async load(directory: string, embeddings: EmbeddingsInterface): Promise<HnswVectorStore> {
    const saved = JSON.parse(await readFile(path.join(directory, HNSW_FILES.docstore), 'utf8')) as {
      dimensions: number;
      parameters: HnswParameters;
      documents: ({ pageContent: string; metadata: Record<string, unknown> } | null)[];
    };
    const graphFile = path.join(directory, HNSW_FILES.graph);
    const check = checkHnswFile(await readFile(graphFile), saved.dimensions);
    if (!check.ok) throw new Error(`${HNSW_FILES.graph} ${check.problem}`);
    if (check.elements !== saved.documents.length) {
      throw new Error(`the graph holds ${check.elements} vectors for ${saved.documents.length} documents`);
    }
    // Deletions are marked twice, in the graph and as null documents: deleting again a label the graph already marks fails natively.
    const deletedDocuments = saved.documents.filter((doc) => doc === null).length;
    if (deletedDocuments !== check.deletedLabels.length || check.deletedLabels.some((label) => saved.documents[label] !== null)) {
      throw new Error(`${HNSW_FILES.graph} marks ${check.deletedLabels.length} vectors deleted, the docstore ${deletedDocuments}, not the same ones`);
    }
    const graph = new HierarchicalNSW('cosine', saved.dimensions);
    await graph.readIndex(graphFile);
    const documents = saved.documents.map((doc) => doc && new Document(doc));
    return new HnswVectorStore(embeddings, { dimensions: saved.dimensions, parameters: saved.parameters }, graph, documents);
  }
}
