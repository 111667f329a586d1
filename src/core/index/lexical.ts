import { termOf, tokenize } from '../text/tokens.js';
import { ascending, BinaryReader, BinaryWriter, LazySection } from './binary.js';
import type { ByteSource } from './block-file.js';

/** The terms of a text, every occurrence, in order: what BM25 counts. */
export function termOccurrences(text: string): string[] {
  return tokenize(text).flatMap((token) => termOf(token.text) ?? []);
}

/**
 * BM25 parameters, and the scoring below, are MiniSearch 7's (which this index replaced), so
 * that rankings did not move: k1, b, and d, a floor added to every matched term's score.
 */
const K = 1.2;
const B = 0.7;
const D = 0.5;

/** Term frequencies are kept in 16 bits: a chunk holding one term more often than this counts it this often. */
const MAX_FREQUENCY = 0xffff;

const SIGNATURE = 'VLEX 1';

/**
 * A chunk a search found, with where it first showed up while scoring, which decides ties
 * (as MiniSearch's result order did): the query's earlier terms first, then the order chunks
 * were added.
 */
interface Candidate {
  label: number;
  score: number;
  order: number;
}

/** Whether `a` ranks below `b`. */
const ranksBelow = (a: Candidate, b: Candidate) => a.score < b.score || (a.score === b.score && a.order > b.order);

/**
 * The k best of a stream of candidates, kept in a min-heap whose root is the worst kept:
 * ranking n matches costs n log k, not a sort of all n.
 */
class TopK {
  private readonly heap: Candidate[] = [];

  constructor(private readonly k: number) {}

  offer(candidate: Candidate): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push(candidate);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!ranksBelow(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (this.k > 0 && ranksBelow(heap[0]!, candidate)) {
      heap[0] = candidate;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let lowest = i;
        if (left < heap.length && ranksBelow(heap[left]!, heap[lowest]!)) lowest = left;
        if (right < heap.length && ranksBelow(heap[right]!, heap[lowest]!)) lowest = right;
        if (lowest === i) break;
        [heap[i], heap[lowest]] = [heap[lowest]!, heap[i]!];
        i = lowest;
      }
    }
  }

  /** The kept candidates, best first. */
  best(): Candidate[] {
    return this.heap.sort((a, b) => (ranksBelow(a, b) ? 1 : ranksBelow(b, a) ? -1 : 0));
  }
}

/** Per-chunk accumulators of one search, reused from search to search (only touched entries are reset). */
interface Scratch {
  scores: Float64Array;
  /** Distinct query terms each chunk matched. */
  matched: Uint16Array;
  /** Chunks touched, in the order they were first touched. */
  touched: Uint32Array;
}

/**
 * BM25 over chunks, plus how many chunks hold each term: the corpus's vocabulary, used to weigh
 * a question's terms and to tell which of them the corpus knows. Terms are stemmed content
 * words ({@link termOf}).
 *
 * Postings are compact typed arrays (one run of chunk labels and frequencies per term), saved
 * as they are ({@link toBinary}) and read on demand from a loaded index, term by term: a search
 * reads only its terms' runs, scores only the chunks they name, and keeps the k best. Chunks
 * added or removed are held aside and merged into the runs by the next read, so a build's
 * thousands of small additions cost one merge.
 */
export class LexicalIndex {
  /** Term → its number: the position of its run. */
  private readonly termIds = new Map<string, number>();
  private readonly pendingAdditions = new Map<number, number[]>();
  private readonly pendingRemovals = new Set<number>();
  private scratch: Scratch | undefined;

  private constructor(
    /** Every term ever indexed, by number (a term whose chunks were all removed keeps an empty run). */
    private readonly terms: string[],
    /** Term t's postings are positions `runStarts[t]` to `runStarts[t + 1]` of {@link labels} and {@link frequencies}. */
    private runStarts: Uint32Array,
    private labels: LazySection<Uint32Array>,
    private frequencies: LazySection<Uint16Array>,
    /** Distinct terms of each chunk, by label; 0 for a label no chunk holds. */
    private fieldLengths: Uint32Array,
    /** Mean of the chunks' field lengths, updated as MiniSearch did (so scores match it to the last bit). */
    private averageFieldLength: number,
    private chunkCount: number,
  ) {
    // Filled in a loop rather than from [term, id] pairs: a large corpus has tens of thousands, made at every load.
    for (let id = 0; id < terms.length; id++) this.termIds.set(terms[id]!, id);
  }

  /** Number of chunks. */
  get size(): number {
    return this.chunkCount;
  }

  /** Indexes `texts`; the i-th text is chunk label i. */
  static build(texts: string[]): LexicalIndex {
    const index = new LexicalIndex([], new Uint32Array(1), LazySection.of(new Uint32Array(0)), LazySection.of(new Uint16Array(0)), new Uint32Array(0), 0, 0);
    index.add(texts.map((text, label) => ({ label, terms: termOccurrences(text) })));
    return index;
  }

  /**
   * Adds chunks under their labels, each as the {@link termOccurrences} of its text.
   *
   * @throws Error when a label is already indexed
   */
  add(chunks: { label: number; terms: string[] }[]): void {
    for (const { label, terms } of chunks) {
      // A label removed and added again: the removal must take its old postings, not the new ones.
      if (this.pendingRemovals.has(label)) this.merge();
      if (this.fieldLengths[label]) throw new Error(`chunk ${label} is already in the lexical index`);
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      // MiniSearch counted the distinct tokens of the space-joined terms: an empty text is one empty token.
      const fieldLength = Math.max(counts.size, 1);
      for (const [term, count] of counts) {
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = this.terms.push(term) - 1;
          this.termIds.set(term, id);
        }
        let pending = this.pendingAdditions.get(id);
        if (!pending) this.pendingAdditions.set(id, (pending = []));
        pending.push(label, Math.min(count, MAX_FREQUENCY));
      }
      if (label >= this.fieldLengths.length) this.fieldLengths = grown(this.fieldLengths, label + 1);
      this.fieldLengths[label] = fieldLength;
      this.averageFieldLength = (this.averageFieldLength * this.chunkCount + fieldLength) / (this.chunkCount + 1);
      this.chunkCount++;
    }
  }

  /**
   * Removes chunks by label.
   *
   * @throws Error when a label is not indexed
   */
  remove(labels: number[]): void {
    for (const label of labels) {
      const fieldLength = this.fieldLengths[label];
      if (!fieldLength || this.pendingRemovals.has(label)) throw new Error(`chunk ${label} is not in the lexical index`);
      this.pendingRemovals.add(label);
      this.averageFieldLength = this.chunkCount === 1 ? 0 : (this.averageFieldLength * this.chunkCount - fieldLength) / (this.chunkCount - 1);
      this.chunkCount--;
    }
  }

  /** An independent copy, to update while this one keeps serving (of a loaded index, with every run read). */
  clone(): LexicalIndex {
    this.merge();
    return new LexicalIndex(
      [...this.terms],
      this.runStarts.slice(),
      LazySection.of(this.labels.slice(0).slice()),
      LazySection.of(this.frequencies.slice(0).slice()),
      this.fieldLengths.slice(),
      this.averageFieldLength,
      this.chunkCount,
    );
  }

  /** The index as a file's bytes, for {@link fromBinary}. */
  toBinary(): Uint8Array {
    this.merge();
    return new BinaryWriter(SIGNATURE)
      .add(new Float64Array([this.averageFieldLength, this.chunkCount]))
      .addStrings(this.terms)
      .add(this.runStarts)
      .add(this.labels.slice(0))
      .add(this.frequencies.slice(0))
      .add(this.fieldLengths)
      .bytes();
  }

  /**
   * The index {@link toBinary} saved. Only the term table, where each term's run starts and the
   * chunks' lengths are read now (a few percent of the file); the runs themselves are read from
   * `file` when a search first needs them, views of its memory, nothing parsed.
   *
   * @throws Error when `file` is not such a file, or its tables disagree with each other (an
   * {@link IndexCorruptError} when `file` is a {@link BlockFile} and a block read differs from its hash)
   */
  static fromBinary(file: Uint8Array | ByteSource): LexicalIndex {
    const reader = new BinaryReader(file, SIGNATURE);
    const [averageFieldLength, chunkCount] = reader.next(Float64Array);
    const terms = reader.nextStrings();
    const runStarts = reader.next(Uint32Array);
    const labels = reader.nextLazy(Uint32Array);
    const frequencies = reader.nextLazy(Uint16Array);
    const fieldLengths = reader.next(Uint32Array);
    reader.end();
    if (
      runStarts.length !== terms.length + 1 ||
      !ascending(runStarts) ||
      runStarts[terms.length] !== labels.length ||
      frequencies.length !== labels.length ||
      chunkCount === undefined ||
      averageFieldLength === undefined
    ) {
      throw new Error('the lexical index disagrees with itself');
    }
    return new LexicalIndex(terms, runStarts, labels, frequencies, fieldLengths, averageFieldLength, chunkCount);
  }

  /**
   * The k chunks ranked best by BM25 for already-processed terms ({@link termOf} forms, as
   * {@link resolve} gives), combined with OR. Scored as MiniSearch 7 scored: each occurrence
   * of a term in the query adds that term's BM25 score, summed in query order, and the sum is
   * multiplied by the number of distinct query terms the chunk holds.
   */
  searchTerms(terms: string[], k: number): { label: number; score: number }[] {
    this.merge();
    const { scores, matched, touched } = this.scratchFor(this.fieldLengths.length);
    let touchedCount = 0;
    for (const [position, term] of terms.entries()) {
      const id = this.termIds.get(term);
      if (id === undefined) continue;
      const start = this.runStarts[id]!;
      const end = this.runStarts[id + 1]!;
      if (start === end) continue;
      const repeated = terms.indexOf(term) < position;
      const frequency = end - start;
      const inverseFrequency = Math.log(1 + (this.chunkCount - frequency + 0.5) / (frequency + 0.5));
      const labels = this.labels.slice(start, end);
      const frequencies = this.frequencies.slice(start, end);
      for (let p = 0; p < frequency; p++) {
        const label = labels[p]!;
        // A run read from a file is checked here, where it is used: a label beyond the chunks would score NaN.
        if (label >= this.fieldLengths.length)
          throw this.labels.corrupt(`the postings of "${term}" name chunk ${label}, beyond its ${this.fieldLengths.length} chunk lengths`);
        const termFrequency = frequencies[p]!;
        // Written as MiniSearch writes it: the same operations in the same order give the same bits.
        const score =
          inverseFrequency * (D + (termFrequency * (K + 1)) / (termFrequency + K * (1 - B + (B * this.fieldLengths[label]!) / this.averageFieldLength)));
        if (matched[label] === 0) touched[touchedCount++] = label;
        scores[label] = scores[label]! + score;
        if (!repeated) matched[label] = matched[label]! + 1;
      }
    }
    const top = new TopK(k);
    for (let order = 0; order < touchedCount; order++) {
      const label = touched[order]!;
      top.offer({ label, score: scores[label]! * matched[label]!, order });
      scores[label] = 0;
      matched[label] = 0;
    }
    return top.best().map(({ label, score }) => ({ label, score }));
  }

  /** Whether any chunk holds the term. */
  has(term: string): boolean {
    return this.documentFrequency(term) > 0;
  }

  /** Inverse document frequency, ln(1 + N / df): rare terms weigh more; unknown terms weigh most. */
  idf(term: string): number {
    return Math.log(1 + this.size / (this.documentFrequency(term) || 0.5));
  }

  /** How many chunks hold the term. */
  private documentFrequency(term: string): number {
    this.merge();
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.runStarts[id + 1]! - this.runStarts[id]!;
  }

  private scratchFor(labels: number): Scratch {
    if (!this.scratch || this.scratch.scores.length < labels) {
      this.scratch = { scores: new Float64Array(labels), matched: new Uint16Array(labels), touched: new Uint32Array(labels) };
    }
    return this.scratch;
  }

  /**
   * Folds pending additions and removals into the runs: each term's surviving postings, then
   * its added ones, keeping the order chunks were added in (the order ties are broken in).
   */
  private merge(): void {
    if (this.pendingAdditions.size === 0 && this.pendingRemovals.size === 0) return;
    const removed = this.pendingRemovals;
    let added = 0;
    for (const pending of this.pendingAdditions.values()) added += pending.length / 2;
    // Every run is rewritten: a loaded index's are all read.
    const previousLabels = this.labels.slice(0);
    const previousFrequencies = this.frequencies.slice(0);
    const runStarts = new Uint32Array(this.terms.length + 1);
    const labels = new Uint32Array(previousLabels.length + added);
    const frequencies = new Uint16Array(labels.length);
    let length = 0;
    for (let id = 0; id < this.terms.length; id++) {
      runStarts[id] = length;
      if (id + 1 < this.runStarts.length) {
        const start = this.runStarts[id]!;
        const end = this.runStarts[id + 1]!;
        if (removed.size === 0) {
          labels.set(previousLabels.subarray(start, end), length);
          frequencies.set(previousFrequencies.subarray(start, end), length);
          length += end - start;
        } else {
          for (let p = start; p < end; p++) {
            if (removed.has(previousLabels[p]!)) continue;
            labels[length] = previousLabels[p]!;
            frequencies[length++] = previousFrequencies[p]!;
          }
        }
      }
      const pending = this.pendingAdditions.get(id) ?? [];
      for (let p = 0; p < pending.length; p += 2) {
        if (removed.has(pending[p]!)) continue;
        labels[length] = pending[p]!;
        frequencies[length++] = pending[p + 1]!;
      }
    }
    runStarts[this.terms.length] = length;
    for (const label of removed) this.fieldLengths[label] = 0;
    this.runStarts = runStarts;
    this.labels = LazySection.of(length === labels.length ? labels : labels.slice(0, length));
    this.frequencies = LazySection.of(length === frequencies.length ? frequencies : frequencies.slice(0, length));
    this.pendingAdditions.clear();
    this.pendingRemovals.clear();
  }
}

/** A copy of `array` at least `length` long, with room to grow by half again. */
function grown(array: Uint32Array, length: number): Uint32Array {
  const copy = new Uint32Array(Math.max(length, Math.ceil(array.length * 1.5)));
  copy.set(array);
  return copy;
}
