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
 * Embeddings that also say which model they are, so an index can record it and refuse to be
 * queried with vectors of another space. The two embedding calls have the signatures of
 * LangChain's `EmbeddingsInterface`, so any of these can be handed to LangChain as they are
 * (see `src/langchain/`); core imports nothing from LangChain, whose import costs a cold
 * `ask` a few hundred milliseconds.
 */
export abstract class DescribedEmbeddings {
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

  /** One vector per text, in order. */
  abstract embedDocuments(documents: string[]): Promise<number[][]>;

  /** The vector of a question. */
  abstract embedQuery(document: string): Promise<number[]>;
}
