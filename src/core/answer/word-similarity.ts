import type { WordVectors } from '../index/embeddings/word-vectors.js';

/**
 * How alike two words are in meaning: the cosine of their pretrained word vectors, so that a
 * question's "nixed" can meet an article's "cancelled" and "truce" its "ceasefire". Also
 * tells how common a word is in general English (the vectors come in frequency order), which
 * weighs question words the corpus has never seen.
 */
export class WordSimilarity {
  /** Unit vectors of the words looked up so far (bounded by the vocabulary). */
  private readonly unit = new Map<number, Float32Array>();

  constructor(private readonly vectors: WordVectors) {}

  /** Size of the vocabulary. */
  get vocabularySize(): number {
    return this.vectors.index.size;
  }

  /** Frequency rank of a word in general English (0 = most frequent), `undefined` if unknown. */
  rankOf(word: string): number | undefined {
    return this.vectors.index.get(word);
  }

  private unitVector(rank: number): Float32Array {
    let vector = this.unit.get(rank);
    if (vector) return vector;
    const { dimensions } = this.vectors;
    const row = this.vectors.row(rank);
    vector = new Float32Array(dimensions);
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      const value = row[d]!;
      vector[d] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dimensions; d++) vector[d]! /= norm;
    this.unit.set(rank, vector);
    return vector;
  }

  /** Cosine similarity of two words in [-1, 1]; 0 when either is unknown. */
  similarity(a: string, b: string): number {
    if (a === b) return 1;
    const rankA = this.vectors.index.get(a);
    const rankB = this.vectors.index.get(b);
    if (rankA === undefined || rankB === undefined) return 0;
    const x = this.unitVector(rankA);
    const y = this.unitVector(rankB);
    let dot = 0;
    for (let d = 0; d < x.length; d++) dot += x[d]! * y[d]!;
    return dot;
  }
}
