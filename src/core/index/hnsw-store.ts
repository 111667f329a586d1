import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
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

/** The file name of the chunk graph inside an index folder. */
export const HNSW_FILES = { graph: 'chunks.hnsw' } as const;

/**
 * A file in `scratchDir` for a graph on its way from one hnswlib graph (or file) to another: named
 * so that what a kill leaves behind is recognised and removed (see leftovers.ts).
 */
export function scratchGraphFile(scratchDir: string): string {
  return path.join(scratchDir, `clone-${process.pid}-${Date.now()}.hnsw`);
}

/** A nearest neighbour: its label and cosine similarity to the query. */
export interface LabelScore {
  label: number;
  score: number;
}

/**
 * The chunk graph of an index as its users see it: searched, read, copied to change, saved.
 * A graph being built or updated is a {@link ChunkGraph}; a loaded one is a `LoadedGraph`,
 * searched over its file's bytes, which only changes through a copy ({@link IndexGraph.clone}).
 */
export interface IndexGraph {
  readonly dimensions: number;
  readonly parameters: HnswParameters;
  /** Labels handed out so far, deleted ones included: the next label is this number. */
  readonly labelCount: number;
  /** Number of live (not deleted) vectors. */
  readonly size: number;
  /** The labels deleted so far. */
  readonly deletedLabels: ReadonlySet<number>;
  /** Whether `label` was handed out and is not deleted. */
  isLive(label: number): boolean;
  /** The stored vector for a live `label`, normalised to unit length (cosine space stores it so). */
  vectorAt(label: number): number[];
  /** The `k` live labels nearest to `query`, best first; only labels `filter` accepts when given. */
  search(query: number[], k: number, filter?: (label: number) => boolean): LabelScore[];
  /**
   * An independent copy in hnswlib, to change while this one keeps serving.
   *
   * @throws {@link DiskFullError} when `scratchDir`'s disk has no room for the file the copy goes through
   */
  clone(scratchDir: string): Promise<ChunkGraph>;
  /**
   * Writes the graph, deletion marks included, to `file`.
   *
   * @throws {@link DiskFullError} when the disk has no room for it
   */
  save(file: string): Promise<void>;
}

/**
 * A copy of `graph` in hnswlib, made through its file format in `scratchDir` (hnswlib has no copy
 * call): what {@link IndexGraph.clone} does for either kind of graph.
 */
export async function copyThroughFile(graph: IndexGraph, scratchDir: string): Promise<ChunkGraph> {
  const file = scratchGraphFile(scratchDir);
  try {
    await graph.save(file);
    return await ChunkGraph.read(file, graph.dimensions, graph.parameters, graph.deletedLabels);
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * The chunk vectors of an index in an `hnswlib-node` HNSW graph (cosine space), addressed by
 * label: labels are insertion order from 0 and never reused. It holds only the graph: what a
 * label stands for (a chunk's text and metadata) is the caller's to keep, in the index's
 * segmented documents; a deleted label stays marked in the graph, so the saved file says which.
 *
 * Scores are cosine similarities: **higher is better**, 1 for the same direction.
 */
export class ChunkGraph implements IndexGraph {
  private readonly graph: Hnsw;
  private readonly deleted: Set<number>;

  constructor(
    readonly dimensions: number,
    readonly parameters: HnswParameters = DEFAULT_HNSW,
    graph?: Hnsw,
    deleted: Iterable<number> = [],
  ) {
    this.graph = graph ?? new HierarchicalNSW('cosine', dimensions);
    if (!graph) this.graph.initIndex({ maxElements: 16, m: parameters.m, efConstruction: parameters.efConstruction, randomSeed: 100 });
    this.deleted = new Set(deleted);
    this.graph.setEf(parameters.efSearch);
  }

  /** Labels handed out so far, deleted ones included: the next label is this number. */
  get labelCount(): number {
    return this.graph.getCurrentCount();
  }

  /** Number of live (not deleted) vectors. */
  get size(): number {
    return this.labelCount - this.deleted.size;
  }

  /** The labels deleted so far. */
  get deletedLabels(): ReadonlySet<number> {
    return this.deleted;
  }

  /** Whether `label` was handed out and is not deleted. */
  isLive(label: number): boolean {
    return Number.isInteger(label) && label >= 0 && label < this.labelCount && !this.deleted.has(label);
  }

  /** Adds vectors under the next labels, which it returns in order. */
  add(vectors: number[][]): number[] {
    const needed = this.labelCount + vectors.length;
    if (needed > this.graph.getMaxElements()) this.graph.resizeIndex(Math.max(needed, this.graph.getMaxElements() * 2));
    return vectors.map((vector) => {
      if (vector.length !== this.dimensions) throw new Error(`a vector has ${vector.length} dimensions, the graph ${this.dimensions}`);
      const label = this.labelCount;
      this.graph.addPoint(vector, label);
      return label;
    });
  }

  /** Adds vectors packed as rows of {@link dimensions} floats under the next labels, which it returns in order. */
  addRows(rows: Float32Array): number[] {
    const vectors: number[][] = [];
    for (let start = 0; start < rows.length; start += this.dimensions) vectors.push(Array.from(rows.subarray(start, start + this.dimensions)));
    return this.add(vectors);
  }

  /** Removes vectors from search results for good; their labels are not reused. */
  deleteLabels(labels: Iterable<number>): void {
    for (const label of labels) {
      if (!this.isLive(label)) continue;
      this.graph.markDelete(label);
      this.deleted.add(label);
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

  /** The `k` live labels nearest to `query`, best first; only labels `filter` accepts when given. */
  search(query: number[], k: number, filter?: (label: number) => boolean): LabelScore[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    if (query.length !== this.dimensions) throw new Error(`query has ${query.length} dimensions, the graph ${this.dimensions}`);
    this.graph.setEf(Math.max(this.parameters.efSearch, count));
    const { neighbors, distances } = this.graph.searchKnn(query, count, filter);
    return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
  }

  /**
   * An independent copy, to update while this one keeps serving. hnswlib has no copy call, so
   * the graph goes through its own file format.
   *
   * @throws {@link DiskFullError} when `scratchDir`'s disk has no room for that file
   */
  clone(scratchDir: string): Promise<ChunkGraph> {
    return copyThroughFile(this, scratchDir);
  }

  /** A graph this process wrote to `file` itself (so trusted as it is, unlike {@link load}'s). */
  static async read(file: string, dimensions: number, parameters: HnswParameters, deleted: Iterable<number> = []): Promise<ChunkGraph> {
    const graph = new HierarchicalNSW('cosine', dimensions);
    await graph.readIndex(file);
    return new ChunkGraph(dimensions, parameters, graph, deleted);
  }

  /**
   * Writes the graph, deletion marks included, to `file`.
   *
   * @throws {@link DiskFullError} when the disk has no room for it
   */
  async save(file: string): Promise<void> {
    await this.graph.writeIndex(file);
    await assertRoomLeftAfterWriting(file);
  }

  /**
   * Loads a graph written by {@link save}. The caller checks the file's integrity first (the
   * index manifest holds its hash); its structure is checked here too, because the native
   * reader trusts its input and a damaged graph whose hash was recomputed would crash the
   * process on its first search instead of failing to load.
   *
   * @param bytes - the file's contents when the caller has already read them
   * @throws Error naming the broken rule when the graph is damaged
   */
  static async load(file: string, dimensions: number, parameters: HnswParameters, bytes?: Uint8Array): Promise<ChunkGraph> {
    const check = checkHnswFile(bytes ?? (await readFile(file)), dimensions);
    if (!check.ok) throw new Error(`${path.basename(file)} ${check.problem}`);
    const graph = new HierarchicalNSW('cosine', dimensions);
    await graph.readIndex(file);
    // The deleted set comes from the file's own marks: deleting again a label the graph already marks fails natively.
    return new ChunkGraph(dimensions, parameters, graph, check.deletedLabels);
  }
}
