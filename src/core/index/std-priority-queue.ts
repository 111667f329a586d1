/**
 * `std::priority_queue<std::pair<float, id>>` as libstdc++ (GCC 12, the compiler hnswlib-node is
 * built with) implements it: `push` is `push_back` then `std::push_heap`, `pop` is `std::pop_heap`
 * then `pop_back`, with `__push_heap` and `__adjust_heap` copied step for step. Which of several
 * pairs with equal keys is on top, and so which one a search keeps or drops, depends on exactly
 * these steps: copying them is what makes a search over the same graph return the same neighbours
 * as hnswlib's, ties included (an index of repeated articles is full of equal distances).
 */
export class StdPriorityQueue {
  private keys = new Float64Array(64);
  private ids = new Uint32Array(64);
  private count = 0;

  /**
   * @param tieByValue - compare pairs whole, key then value (`std::less<std::pair>`), instead of
   * by key alone (hnswlib's `CompareByFirst`)
   */
  constructor(private readonly tieByValue = false) {}

  get size(): number {
    return this.count;
  }

  /** The key of the greatest pair. */
  get topKey(): number {
    return this.keys[0]!;
  }

  /** The value of the greatest pair. */
  get topId(): number {
    return this.ids[0]!;
  }

  clear(): void {
    this.count = 0;
  }

  /** The comparison the queue orders by: whether pair `a` is less than pair `b`. */
  private less(aKey: number, aId: number, bKey: number, bId: number): boolean {
    return aKey < bKey || (this.tieByValue && !(bKey < aKey) && aId < bId);
  }

  push(key: number, id: number): void {
    if (this.count === this.keys.length) {
      const keys = new Float64Array(this.count * 2);
      const ids = new Uint32Array(this.count * 2);
      keys.set(this.keys);
      ids.set(this.ids);
      this.keys = keys;
      this.ids = ids;
    }
    this.count++;
    this.siftUp(this.count - 1, 0, key, id);
  }

  pop(): void {
    const last = this.count - 1;
    if (last > 0) {
      // __pop_heap: the last pair is lifted out, the top moved to its place, and the hole at the top filled down.
      const key = this.keys[last]!;
      const id = this.ids[last]!;
      this.keys[last] = this.keys[0]!;
      this.ids[last] = this.ids[0]!;
      this.adjust(last, key, id);
    }
    this.count = last;
  }

  /** `__push_heap`: moves the hole at `hole` up past the parents less than the pair, and puts it there. */
  private siftUp(hole: number, top: number, key: number, id: number): void {
    const { keys, ids } = this;
    let parent = (hole - 1) >> 1;
    while (hole > top && this.less(keys[parent]!, ids[parent]!, key, id)) {
      keys[hole] = keys[parent]!;
      ids[hole] = ids[parent]!;
      hole = parent;
      parent = (hole - 1) >> 1;
    }
    keys[hole] = key;
    ids[hole] = id;
  }

  /** `__adjust_heap` from the top, over the first `length` pairs: the hole goes down to a leaf along the greater children, then the pair goes up from there. */
  private adjust(length: number, key: number, id: number): void {
    const { keys, ids } = this;
    let hole = 0;
    let child = 0;
    while (child < Math.trunc((length - 1) / 2)) {
      child = 2 * (child + 1);
      if (this.less(keys[child]!, ids[child]!, keys[child - 1]!, ids[child - 1]!)) child--;
      keys[hole] = keys[child]!;
      ids[hole] = ids[child]!;
      hole = child;
    }
    if ((length & 1) === 0 && child === (length - 2) / 2) {
      child = 2 * (child + 1);
      keys[hole] = keys[child - 1]!;
      ids[hole] = ids[child - 1]!;
      hole = child - 1;
    }
    this.siftUp(hole, 0, key, id);
  }
}
