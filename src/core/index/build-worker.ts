/**
 * The worker thread of {@link buildIndexInWorker}: makes the caller's embeddings from their
 * recipe, loads the index saved in the index folder as the previous one (so unchanged
 * documents are not embedded again and the graph is updated, not rebuilt), builds, saves, and
 * reports progress and the outcome by message. Not an entry point for anything else.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { transportError } from '../errors.js';
import { buildIndex, loadPreviousIndex } from './build.js';
import type { DescribedEmbeddings } from './embeddings/provider.js';
import type { WorkerBuildMessage, WorkerBuildRequest } from './worker-build.js';

async function run(request: WorkerBuildRequest, post: (message: WorkerBuildMessage) => void): Promise<void> {
  try {
    const { recipe, ...build } = request;
    const factory = ((await import(recipe.module)) as Record<string, unknown>)[recipe.exportName] as (
      ...args: unknown[]
    ) => Promise<DescribedEmbeddings> | DescribedEmbeddings;
    const embeddings = await factory(...recipe.args);
    // Loaded for this build only: its lexical index is updated in place, no copy needed.
    let previousUnusable: string | undefined;
    const previous = await loadPreviousIndex(build.indexDir, embeddings, (error) => (previousUnusable = error.message));
    let report;
    try {
      ({ report } = await buildIndex({
        ...build,
        embeddings,
        ...(previous ? { previous, consumePrevious: true } : {}),
        onProgress: (progress) => post({ type: 'progress', progress }),
      }));
    } finally {
      // A worker's descriptors are the process's: left open, they would outlive the worker, and keep the replaced index's disk space.
      previous?.close();
    }
    post({ type: 'done', report: previousUnusable === undefined ? report : { ...report, previousUnusable } });
  } catch (error) {
    post({ type: 'error', error: transportError(error) });
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  await run(workerData as WorkerBuildRequest, (message) => port.postMessage(message));
}
