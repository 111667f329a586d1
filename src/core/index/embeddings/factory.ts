import { compiledModuleUrl } from '../../paths.js';
import { GloveEmbeddings } from './glove.js';
import type { DescribedEmbeddings } from './provider.js';
import type { ConversionProgress } from './word-vectors.js';

/** Which embeddings to use: the offline GloVe default, or an OpenAI-compatible endpoint. */
export type EmbeddingsOptions =
  | { provider: 'local'; cacheDir: string }
  | { provider: 'openai'; baseUrl: string; apiKey?: string; model: string };

/**
 * Creates the configured embeddings provider.
 *
 * @param onConvert - told the progress when the local vectors must first be converted (once per machine, seconds)
 */
export async function createEmbeddings(options: EmbeddingsOptions, onConvert?: ConversionProgress): Promise<DescribedEmbeddings> {
  // The optional endpoint's module is loaded only when configured: the default path does not pay for it.
  const embeddings = options.provider === 'openai' ? new (await import('./openai.js')).OpenAICompatibleEmbeddings(options) : await GloveEmbeddings.load(options.cacheDir, onConvert);
  // The options are plain data: a build worker makes the same embeddings with this function.
  embeddings.recipe = { module: compiledModuleUrl(import.meta.url), exportName: 'createEmbeddings', args: [options] };
  return embeddings;
}
