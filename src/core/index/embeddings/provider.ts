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

  constructor(params: EmbeddingsParams = {}) {
    super(params);
  }
}
