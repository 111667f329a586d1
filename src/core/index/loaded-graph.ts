import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diskFullOr } from '../errors.js';
import { checkHnswFile, type HnswLayout } from './hnsw-file.js';
import { HnswSearch, normalisedQuery } from './hnsw-search.js';
import { copyThroughFile, HNSW_FILES, type ChunkGraph, type HnswParameters, type IndexGraph, type LabelScore } from './hnsw-store.js';

/**
 * The chunk graph of a loaded index: the bytes of its `chunks.hnsw`, checked, searched where they
 * lie in memory by {@link HnswSearch} (which returns what hnswlib would). hnswlib's own reader
 * takes seconds on a large graph (a file position query per element); it only runs when the graph
 * is to change, on a {@link clone}.
 *
 * The copy is made from these bytes, not from the file they came from: by then a reindex may have
 * replaced the index folder, and another graph's labels would not be this index's chunks.
 */
export class LoadedGraph implements IndexGraph {
  readonly deletedLabels: ReadonlySet<number>;
  private readonly searcher: HnswSearch;

  private constructor(
    readonly dimensions: number,
    readonly parameters: HnswParameters,
    private readonly bytes: Uint8Array,
    private readonly layout: HnswLayout,
    deletedLabels: readonly number[],
  ) {
    this.deletedLabels = new Set(deletedLabels);
    this.searcher = new HnswSearch(layout, dimensions);
  }

  /**
   * The graph in `bytes`, the contents of a file {@link ChunkGraph.save} wrote (kept, not copied),
   * whose integrity the caller has checked (the index manifest holds its hash). Its structure is
   * checked here: a graph whose hash was recomputed after damage must fail to load, not make a
   * search read out of bounds or an hnswlib copy of it crash the process.
   *
   * @throws Error naming the broken rule when the graph is damaged
   */
  static fromBytes(bytes: Uint8Array, dimensions: number, parameters: HnswParameters): LoadedGraph {
    const check = checkHnswFile(bytes, dimensions);
    if (!check.ok) throw new Error(`${HNSW_FILES.graph} ${check.problem}`);
    return new LoadedGraph(dimensions, parameters, bytes, check.layout, check.deletedLabels);
  }

  get labelCount(): number {
    return this.layout.elements;
  }

  get size(): number {
    return this.labelCount - this.deletedLabels.size;
  }

  isLive(label: number): boolean {
    return Number.isInteger(label) && label >= 0 && label < this.labelCount && !this.deletedLabels.has(label);
  }

  vectorAt(label: number): number[] {
    // hnswlib's getPoint refuses a deleted or unknown label the same way.
    if (!this.isLive(label)) throw new Error('Label not found');
    const { floats, level0Start, wordsPerElement, vectorWord, elementOfLabel } = this.layout;
    const start = level0Start + elementOfLabel[label]! * wordsPerElement + vectorWord;
    return Array.from(floats.subarray(start, start + this.dimensions));
  }

  /** As {@link ChunkGraph.search}, with the same results. */
  search(query: number[], k: number, filter?: (label: number) => boolean): LabelScore[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    if (query.length !== this.dimensions) throw new Error(`query has ${query.length} dimensions, the graph ${this.dimensions}`);
    const { neighbors, distances } = this.searcher.search(normalisedQuery(query), count, Math.max(this.parameters.efSearch, count), filter);
    return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
  }

  clone(scratchDir: string): Promise<ChunkGraph> {
    return copyThroughFile(this, scratchDir);
  }

  async save(file: string): Promise<void> {
    try {
      await writeFile(file, this.bytes);
    } catch (error) {
      throw diskFullOr(error, path.dirname(file));
    }
  }
}
