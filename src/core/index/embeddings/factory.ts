import { compiledModuleUrl } from '../../paths.js';
import { GloveEmbeddings } from './glove.js';
import type { DescribedEmbeddings } from './provider.js';
import type { ConversionProgress } from './word-vectors.js';

/** Which embeddings to use: the offline GloVe default, or an OpenAI-compatible endpoint. */
export type EmbeddingsOptions = { provider: 'local'; cacheDir: string } | { provider: 'openai'; baseUrl: string; apiKey?: string; model: string };

/**
 * Creates the configured embeddings provider.
 *
 * @param onConvert - told the progress when the local vectors must first be converted (once per machine, seconds)
 */
export async function createEmbeddings(options: EmbeddingsOptions, onConvert?: ConversionProgress): Promise<DescribedEmbeddings> {
  // The optional endpoint's module is loaded only when configured: the default path does not pay for it.
  const embeddings =
    options.provider === 'openai'
      ? new (await import('./openai.js')).OpenAICompatibleEmbeddings(options)
      : await GloveEmbeddings.load(options.cacheDir, onConvert);
  // The options are plain data: a build worker makes the same embeddings with this function.
  embeddings.recipe = { module: compiledModuleUrl(import.meta.url), exportName: 'createEmbeddings', args: [options] };
  return embeddings;
}

/** What every front end says when the local word vectors must first be converted (once per machine). */
export const CONVERSION_NOTICE = 'converting the GloVe word vectors once (about 10 s, ~200 MB of memory)';

/**
 * A {@link ConversionProgress} that tells `say` the {@link CONVERSION_NOTICE} when the conversion
 * starts and how long it took when it ends; `onFraction` also gets every fraction (for a percentage).
 */
export function announceConversion(say: (line: string) => void, onFraction?: ConversionProgress): ConversionProgress {
  let started = 0;
  return (fraction) => {
    if (fraction === 0) {
      started = performance.now();
      say(CONVERSION_NOTICE);
    }
    onFraction?.(fraction);
    if (fraction === 1) say(`word vectors converted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
}
