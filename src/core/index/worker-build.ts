import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { reviveError, type TransportedError } from '../errors.js';
import { compiledModuleUrl } from '../paths.js';
import type { BuildOptions, BuildProgress, BuildReport } from './build.js';
import type { EmbeddingsRecipe } from './embeddings/provider.js';
import type { HnswParameters } from './hnsw-store.js';
import type { ChunkingOptions } from './segment.js';

/** What the build worker is asked to do: plain data, copied into the thread. */
export interface WorkerBuildRequest {
  corpusDir: string;
  indexDir: string;
  /** How the worker makes the same embeddings as the caller's. */
  recipe: EmbeddingsRecipe;
  maxFileBytes?: number;
  chunking?: ChunkingOptions;
  hnsw?: HnswParameters;
  /** Who asked, for another build that waits for this one (see {@link BuildOptions.command}). */
  command?: string;
}

/** What the build worker tells its caller, in order: progress, then one `done` or `error`. */
export type WorkerBuildMessage =
  { type: 'progress'; progress: BuildProgress } | { type: 'done'; report: BuildReport } | { type: 'error'; error: TransportedError };

export interface WorkerBuildOptions extends WorkerBuildRequest {
  onProgress?: (progress: BuildProgress) => void;
}

/** The worker's script, compiled: this module's sibling, from dist/ even when tests run the sources. */
const WORKER_SCRIPT = new URL(compiledModuleUrl(new URL(`./build-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url)));

/**
 * Runs {@link buildIndex} in a worker thread, so that a long build (reading, segmenting,
 * embedding, HNSW, BM25, saving) never blocks the caller's event loop: a bot keeps answering.
 * The worker updates the index saved in `indexDir` incrementally (it loads it from disk) and
 * saves the new one there atomically; the caller loads it once this resolves.
 *
 * @returns the build's report, once the new index is saved
 * @throws the same named core errors as {@link buildIndex} (e.g. {@link CorpusError},
 * {@link ForeignIndexFolderError}, {@link EmbeddingsError}); `indexDir` is then left as it was
 */
export function buildIndexInWorker(options: WorkerBuildOptions): Promise<BuildReport> {
  const { onProgress, ...request } = options;
  return new Promise<BuildReport>((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT, { workerData: request });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    worker.on('message', (message: WorkerBuildMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'done') settle(() => resolve(message.report));
      else settle(() => reject(reviveError(message.error)));
    });
    // Only what escapes the worker's own error handling: out of memory, a crash while starting.
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`The index build worker stopped before finishing (exit code ${code}).`))));
  });
}
