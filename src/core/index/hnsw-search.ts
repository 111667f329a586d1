/**
 * hnswlib's k-nearest-neighbour search in cosine space (`HierarchicalNSW::searchKnn` of
 * hnswlib-node 3, `hnswalg.h`, with its `InnerProductSpace` and the addon's query normalisation),
 * replicated over the bytes of a saved graph that `checkHnswFile` (hnsw-file.ts) has checked: a loaded
 * index searches its graph file where it lies in memory instead of having hnswlib read it back
 * element by element (seconds for a large index).
 *
 * Replicated to the bit, so that it returns what hnswlib would, in the same order: distances are
 * computed in 32-bit floats in the order hnswlib's SSE code adds them (Math.fround after every
 * operation: a float32 sum or product computed in float64 and rounded once is the float32
 * result), the walk visits neighbours in the same order, and the candidate queues are libstdc++'s
 * heaps ({@link StdPriorityQueue}), so that equal distances are broken the same way.
 */
import type { HnswLayout } from './hnsw-file.js';
import { StdPriorityQueue } from './std-priority-queue.js';

const f = Math.fround;
/** `std::numeric_limits<float>::max()`. */
const FLOAT_MAX = f(3.4028234663852886e38);

/** The distance from the query to the vector starting at `at` in `floats`. */
type Distance = (query: Float32Array, floats: Float32Array, at: number) => number;

/** hnswlib's `InnerProduct`: one float32 sum, element after element, over `[from, to)`. */
function serialSum(query: Float32Array, floats: Float32Array, at: number, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = f(sum + f(query[i]! * floats[at + i]!));
  return sum;
}

/**
 * `InnerProductSIMD4ExtSSE` (and `SIMD16ExtSSE`, the same sums unrolled) over the first `count`
 * elements, a multiple of 4: four float32 lanes, lane j summing elements j, j+4, j+8…, then the
 * lanes added in order.
 */
function laneSum(query: Float32Array, floats: Float32Array, at: number, count: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < count; i += 4) {
    const v = at + i;
    s0 = f(s0 + f(query[i]! * floats[v]!));
    s1 = f(s1 + f(query[i + 1]! * floats[v + 1]!));
    s2 = f(s2 + f(query[i + 2]! * floats[v + 2]!));
    s3 = f(s3 + f(query[i + 3]! * floats[v + 3]!));
  }
  return f(f(f(s0 + s1) + s2) + s3);
}

/**
 * The inner-product distance `InnerProductSpace` picks for `dimensions` on x86-64 built without
 * AVX (hnswlib-node's build passes no -march flag, so only SSE is compiled in).
 */
export function innerProductDistance(dimensions: number): Distance {
  if (dimensions % 4 === 0) return (query, floats, at) => f(1 - laneSum(query, floats, at, dimensions));
  // The Residuals variants: lanes over the largest multiple of 16 (above 16 elements) or of 4, the rest summed serially.
  const lanes = dimensions > 16 ? dimensions - (dimensions % 16) : dimensions > 4 ? dimensions - (dimensions % 4) : 0;
  if (lanes === 0) return (query, floats, at) => f(1 - serialSum(query, floats, at, 0, dimensions));
  return (query, floats, at) => f(1 - f(laneSum(query, floats, at, lanes) + serialSum(query, floats, at, lanes, dimensions)));
}

/**
 * The query as the addon hands it to hnswlib in cosine space: each number rounded to float32, then
 * divided by the vector's length (its float32 sum of squares, square-rooted), unless that is 0.
 */
export function normalisedQuery(query: readonly number[]): Float32Array {
  const vector = Float32Array.from(query);
  let squares = 0;
  for (const x of vector) squares = f(squares + f(x * x));
  const norm = f(Math.sqrt(Math.abs(squares)));
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** What `searchKnn` answers: labels and distances, nearest first (ties by label). */
export interface KnnResult {
  neighbors: number[];
  distances: number[];
}

/** What one search works in: made once and reused by the searches after it, as hnswlib pools its visited lists. */
class Scratch {
  /** Element → the search that last visited it (hnswlib's visited list, with a counter instead of clearing). */
  readonly visited: Uint32Array;
  private tag = 0;
  readonly top = new StdPriorityQueue();
  readonly candidates = new StdPriorityQueue();

  constructor(elements: number) {
    this.visited = new Uint32Array(elements);
  }

  /** A mark no element has yet, for a new search; the queues emptied. */
  nextSearch(): number {
    if (++this.tag === 0xffff_ffff) {
      this.visited.fill(0);
      this.tag = 1;
    }
    this.top.clear();
    this.candidates.clear();
    return this.tag;
  }
}

/**
 * Searches one checked graph file. A filter may search the same graph again: a search that
 * starts while another is running gets scratch space of its own.
 */
export class HnswSearch {
  private readonly distance: Distance;
  private readonly spare: Scratch[] = [];
  /** hnswlib's `num_deleted_`, counted as its `loadIndex` counts it: searches skip no element while it is 0. */
  private readonly deletedCount: number;

  constructor(
    private readonly layout: HnswLayout,
    dimensions: number,
  ) {
    this.distance = innerProductDistance(dimensions);
    let deleted = 0;
    for (let element = 0; element < layout.elements; element++) if (this.isDeleted(element)) deleted++;
    this.deletedCount = deleted;
  }

  private block(element: number): number {
    return this.layout.level0Start + element * this.layout.wordsPerElement;
  }

  private isDeleted(element: number): boolean {
    return (this.layout.words[this.block(element)]! & 0x1_0000) !== 0;
  }

  private labelOf(element: number): number {
    return this.layout.words[this.block(element) + this.layout.labelWord]!;
  }

  private distanceTo(query: Float32Array, element: number): number {
    return this.distance(query, this.layout.floats, this.block(element) + this.layout.vectorWord);
  }

  /**
   * `searchKnn(query, k, filter)` with the index's `ef` set to `ef`: the `k` nearest live
   * elements (those `filter` accepts, when given) by hnswlib's greedy descent and best-first
   * search of level 0.
   *
   * @param query - as {@link normalisedQuery} makes it
   */
  search(query: Float32Array, k: number, ef: number, filter?: (label: number) => unknown): KnnResult {
    const { layout } = this;
    if (layout.elements === 0) return { neighbors: [], distances: [] };
    let current = layout.enterpoint;
    let currentDistance = this.distanceTo(query, current);
    for (let level = layout.maxLevel; level > 0; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        const list = layout.upperLists[current]! + (level - 1) * (1 + layout.maxM);
        const count = layout.words[list]! & 0xffff;
        for (let slot = 1; slot <= count; slot++) {
          const candidate = layout.words[list + slot]!;
          const d = this.distanceTo(query, candidate);
          if (d < currentDistance) {
            currentDistance = d;
            current = candidate;
            changed = true;
          }
        }
      }
    }
    const scratch = this.spare.pop() ?? new Scratch(layout.elements);
    const answer = new StdPriorityQueue(true);
    try {
      const top = this.searchLevel0(scratch, current, query, Math.max(ef, k), this.deletedCount === 0 && filter === undefined, filter);
      while (top.size > k) top.pop();
      // The addon reads the answer from a queue of (distance, label) pairs, greatest first, filling its arrays from the end.
      while (top.size > 0) {
        answer.push(top.topKey, this.labelOf(top.topId));
        top.pop();
      }
    } finally {
      this.spare.push(scratch);
    }
    const neighbors = new Array<number>(answer.size);
    const distances = new Array<number>(answer.size);
    for (let i = answer.size - 1; i >= 0; i--) {
      neighbors[i] = answer.topId;
      distances[i] = answer.topKey;
      answer.pop();
    }
    return { neighbors, distances };
  }

  /**
   * `searchBaseLayerST`: best-first from `entry`, keeping the `ef` nearest accepted elements. The
   * bare-bone variant, which hnswlib runs when nothing is deleted and there is no filter, accepts
   * every element and stops as soon as the nearest candidate is farther than the farthest kept.
   */
  private searchLevel0(
    scratch: Scratch,
    entry: number,
    query: Float32Array,
    ef: number,
    bareBone: boolean,
    filter?: (label: number) => unknown,
  ): StdPriorityQueue {
    const { words } = this.layout;
    const { visited, top, candidates } = scratch;
    const tag = scratch.nextSearch();
    const accepted = (element: number) => bareBone || (!this.isDeleted(element) && (filter === undefined || Boolean(filter(this.labelOf(element)))));
    let lowerBound: number;
    if (accepted(entry)) {
      const d = this.distanceTo(query, entry);
      lowerBound = d;
      top.push(d, entry);
      candidates.push(-d, entry);
    } else {
      lowerBound = FLOAT_MAX;
      candidates.push(-lowerBound, entry);
    }
    visited[entry] = tag;

    while (candidates.size > 0) {
      const candidateDistance = -candidates.topKey;
      if (candidateDistance > lowerBound && (bareBone || top.size === ef)) break;
      const current = candidates.topId;
      candidates.pop();
      const block = this.block(current);
      const count = words[block]! & 0xffff;
      for (let slot = 1; slot <= count; slot++) {
        const candidate = words[block + slot]!;
        if (visited[candidate] === tag) continue;
        visited[candidate] = tag;
        const d = this.distanceTo(query, candidate);
        if (top.size < ef || lowerBound > d) {
          candidates.push(-d, candidate);
          if (accepted(candidate)) top.push(d, candidate);
          while (top.size > ef) top.pop();
          if (top.size > 0) lowerBound = top.topKey;
        }
      }
    }
    return top;
  }
}
