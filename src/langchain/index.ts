/**
 * Verbatim as LangChain components, for chains of your own: its embeddings, its HNSW vector
 * store and a retriever of verified quotes. A module apart from the core, which imports
 * nothing from LangChain so that the CLI and the bot do not pay for loading it.
 */
export { GloveEmbeddings, VerbatimEmbeddings } from './embeddings.js';
export { HNSW_STORE_FILES, HnswVectorStore } from './hnsw-vector-store.js';
export { VerbatimRetriever, type QuoteAnswerer, type QuoteMetadata, type VerbatimRetrieverInput } from './retriever.js';
