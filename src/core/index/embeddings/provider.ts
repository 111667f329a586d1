import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import type { WordSimilarity } from '../../answer/word-similarity.js';

/** What an index records about the embeddings that built it; a different one cannot query it. */
export interface EmbeddingsInfo {
  provider: string;
  model: string;
  dimensions: number;
}

/** The two strings compared to tell whether an index fits the configured embeddings. */
export function describeEmbeddings(info: EmbeddingsInfo): string {
  return `${info.provider}:${info.model} (${info.dimensions}-d)`;
}

/**
 * How to make the same embeddings again in another thread: import `module` (a file URL of
 * compiled JavaScript), call its export `exportName` with `args` (plain, cloneable data).
 * Index builds run in a worker thread only for embeddings that carry one.
 */
export interface EmbeddingsRecipe {
  module: string;
  exportName: string;
  args: unknown[];
}

/**
 * A LangChain `Embeddings` that also says which model it is, so an index can record it
 * and refuse to be queried with vectors of another space.
 */
export abstract class DescribedEmbeddings extends Embeddings {
  abstract readonly info: EmbeddingsInfo;
  /**
   * Word-level similarity, when the model has word vectors: answers then match a question's
   * words to the articles' by meaning, not only by spelling.
   */
  readonly words?: WordSimilarity;
  /**
   * How a worker thread makes the same embeddings; without one, builds run on the caller's
   * thread (embeddings that hold state a thread cannot copy, such as test doubles).
   */
  recipe?: EmbeddingsRecipe;

  constructor(params: EmbeddingsParams = {}) {
    super(params);
  }
}
