import type { CorpusIndex } from '../index/corpus-index.js';

/** A chunk found for a question; `score` is its fused score, higher is better. */
export interface RetrievedChunk {
  label: number;
  score: number;
  /** 0-based ranks in each list, when the chunk was in it. */
  denseRank?: number;
  lexicalRank?: number;
}

export interface RetrievalOptions {
  /** Candidates taken from each of the dense and the lexical lists. */
  perList: number;
  /** Chunks returned after fusion. */
  topChunks: number;
  /**
   * The best few of each list are kept whatever their fused rank: a chunk far ahead in one
   * list (the only one holding a rare word of the question) but absent from the other would
   * otherwise lose to chunks that are merely fair in both.
   */
  keepPerList: number;
  /** Reciprocal rank fusion constant (60 in Cormack et al. 2009). */
  rrfK: number;
}

/**
 * Hybrid retrieval: HNSW nearest chunks and BM25 chunks (for the question's terms), fused by reciprocal rank fusion,
 * which needs no calibration between cosine and BM25 scores; the leaders of each list are
 * always kept, so the sentence scoring that follows can weigh them.
 */
export function retrieveChunks(index: CorpusIndex, terms: string[], queryVector: number[], options: RetrievalOptions): RetrievedChunk[] {
  const fused = new Map<number, RetrievedChunk>();
  const entry = (label: number) => {
    let found = fused.get(label);
    if (!found) fused.set(label, (found = { label, score: 0 }));
    return found;
  };
  const hasDirection = queryVector.some((value) => value !== 0);
  const dense = hasDirection ? index.graph.search(queryVector, options.perList) : [];
  dense.forEach(({ label }, rank) => {
    const chunk = entry(label);
    chunk.denseRank = rank;
    chunk.score += 1 / (options.rrfK + rank + 1);
  });
  index.lexical.searchTerms(terms, options.perList).forEach(({ label }, rank) => {
    const chunk = entry(label);
    chunk.lexicalRank = rank;
    chunk.score += 1 / (options.rrfK + rank + 1);
  });
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score);
  const isLeader = (chunk: RetrievedChunk) => (chunk.denseRank ?? Infinity) < options.keepPerList || (chunk.lexicalRank ?? Infinity) < options.keepPerList;
  return ranked.filter((chunk, position) => position < options.topChunks || isLeader(chunk));
}
