import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { SaveableVectorStore } from '@langchain/core/vectorstores';
import { checkHnswFile } from '../core/index/hnsw-file.js';
import { ChunkGraph, DEFAULT_HNSW, type HnswParameters } from '../core/index/hnsw-store.js';

/** File names inside the directory a store is saved to. */
export const HNSW_STORE_FILES = { graph: 'graph.hnsw', documents: 'documents.json' } as const;

interface StoreArgs {
  dimensions: number;
  parameters?: HnswParameters;
}

/** What {@link HnswVectorStore.save} writes beside the graph. */
interface SavedDocuments {
  dimensions: number;
  parameters: HnswParameters;
  /** Label-indexed; `null` for a deleted label. */
  documents: ({ pageContent: string; metadata: Record<string, unknown> } | null)[];
}

/**
 * A LangChain vector store over the same HNSW graph the index uses ({@link ChunkGraph}), for
 * chains of your own. Unlike the index (whose chunk texts live in its corpus), it keeps its
 * `Document`s itself and saves them beside the graph. Ids are the labels, as strings.
 *
 * Scores returned by {@link HnswVectorStore.similaritySearchVectorWithScore} are cosine
 * similarities: **higher is better**, 1 for the same direction.
 */
export class HnswVectorStore extends SaveableVectorStore {
  declare FilterType: (document: DocumentInterface) => boolean;

  /** Label-indexed; a deleted label keeps its slot as `null` so labels never move. */
  private readonly documents: (DocumentInterface | null)[];

  constructor(
    embeddings: EmbeddingsInterface,
    args: StoreArgs,
    readonly graph: ChunkGraph = new ChunkGraph(args.dimensions, args.parameters ?? DEFAULT_HNSW),
    documents: (DocumentInterface | null)[] = [],
  ) {
    super(embeddings, args);
    this.documents = documents;
  }

  override _vectorstoreType(): string {
    return 'hnswlib-node';
  }

  /** Number of live (not deleted) documents. */
  get size(): number {
    return this.graph.size;
  }

  /**
   * A store holding `texts`, with `metadatas` (one per text, or one for all) as their metadata.
   * Without `args.dimensions`, the store takes the length of the first vector.
   */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    args: Partial<StoreArgs> = {},
  ): Promise<HnswVectorStore> {
    const documents = texts.map(
      (pageContent, i) => new Document({ pageContent, metadata: (Array.isArray(metadatas) ? metadatas[i] : metadatas) as Record<string, unknown> }),
    );
    return HnswVectorStore.fromDocuments(documents, embeddings, args);
  }

  /** A store holding `documents`; without `args.dimensions`, the store takes the length of the first vector. */
  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    args: Partial<StoreArgs> = {},
  ): Promise<HnswVectorStore> {
    const vectors = await embeddings.embedDocuments(documents.map((doc) => doc.pageContent));
    const dimensions = args.dimensions ?? vectors[0]?.length;
    if (dimensions === undefined) throw new Error('fromDocuments: no document to take the dimensions from, and no `dimensions` given');
    const store = new HnswVectorStore(embeddings, { ...args, dimensions });
    await store.addVectors(vectors, documents);
    return store;
  }

  override async addVectors(vectors: number[][], documents: DocumentInterface[]): Promise<string[]> {
    if (vectors.length !== documents.length) throw new Error(`addVectors: ${vectors.length} vectors for ${documents.length} documents`);
    const labels = this.graph.add(vectors);
    this.documents.push(...documents);
    return labels.map(String);
  }

  override async addDocuments(documents: DocumentInterface[]): Promise<string[]> {
    return this.addVectors(await this.embeddings.embedDocuments(documents.map((doc) => doc.pageContent)), documents);
  }

  override async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    const labelFilter = filter && ((label: number) => this.documents[label] != null && filter(this.documents[label]));
    return this.graph.search(query, k, labelFilter).map(({ label, score }) => [this.documents[label]!, score]);
  }

  /** Deletes the documents with these ids (as {@link addVectors} returned them); unknown ids are ignored. */
  override async delete({ ids }: { ids: string[] }): Promise<void> {
    const labels = ids.map(Number).filter((label) => this.graph.isLive(label));
    this.graph.deleteLabels(labels);
    for (const label of labels) this.documents[label] = null;
  }

  override async save(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    await this.graph.save(path.join(directory, HNSW_STORE_FILES.graph));
    const saved: SavedDocuments = {
      dimensions: this.graph.dimensions,
      parameters: this.graph.parameters,
      documents: this.documents.map((doc) => doc && { pageContent: doc.pageContent, metadata: doc.metadata }),
    };
    await writeFile(path.join(directory, HNSW_STORE_FILES.documents), JSON.stringify(saved));
  }

  /**
   * Loads a store saved by {@link save}.
   *
   * @throws Error naming the broken rule when the graph is damaged or disagrees with the documents
   */
  static override async load(directory: string, embeddings: EmbeddingsInterface): Promise<HnswVectorStore> {
    const saved = JSON.parse(await readFile(path.join(directory, HNSW_STORE_FILES.documents), 'utf8')) as SavedDocuments;
    const graphFile = path.join(directory, HNSW_STORE_FILES.graph);
    const bytes = await readFile(graphFile);
    const check = checkHnswFile(bytes, saved.dimensions);
    if (!check.ok) throw new Error(`${HNSW_STORE_FILES.graph} ${check.problem}`);
    if (check.elements !== saved.documents.length) throw new Error(`the graph holds ${check.elements} vectors for ${saved.documents.length} documents`);
    const deletedDocuments = saved.documents.filter((doc) => doc === null).length;
    if (deletedDocuments !== check.deletedLabels.length || check.deletedLabels.some((label) => saved.documents[label] !== null)) {
      throw new Error(
        `${HNSW_STORE_FILES.graph} marks ${check.deletedLabels.length} vectors deleted, ${HNSW_STORE_FILES.documents} ${deletedDocuments}, not the same ones`,
      );
    }
    const graph = await ChunkGraph.load(graphFile, saved.dimensions, saved.parameters, bytes);
    const documents = saved.documents.map((doc) => doc && new Document(doc));
    return new HnswVectorStore(embeddings, { dimensions: saved.dimensions, parameters: saved.parameters }, graph, documents);
  }
}
