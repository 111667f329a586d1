import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { reviveError, transportError, type TransportedError } from '../errors.js';
import { compiledModuleUrl } from '../paths.js';
import { ChunkGraph, scratchGraphFile, type HnswParameters } from './hnsw-store.js';

/** What the graph worker is started with: plain data, copied into the thread. */
export interface GraphWorkerSetup {
  dimensions: number;
  parameters: HnswParameters;
  /** Labels to make room for at once (see {@link ChunkGraph.reserve}). */
  capacity: number;
}

/** What the graph worker is sent, in order: vectors to add, then one `save`. */
export type GraphWorkerRequest = { type: 'add'; rows: Float32Array } | { type: 'save'; file: string };

/** The graph worker's one answer, to `save` (or to the first request that failed). */
export type GraphWorkerReply = { type: 'saved' } | { type: 'error'; error: TransportedError };

/** The worker's script, compiled: this module's sibling, from dist/ even when tests run the sources. */
const WORKER_SCRIPT = new URL(compiledModuleUrl(new URL(`./graph-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url)));

/**
 * A {@link ChunkGraph} built in a worker thread from scratch, so that HNSW insertion (most of a
 * large build, and single-threaded in hnswlib) runs on one core while the build embeds and
 * makes the lexical indexes on another. Vectors are inserted in the order they are sent, under
 * labels from 0 in that order, so the graph is the one a {@link ChunkGraph} fed the same
 * vectors in this thread would hold.
 */
export class GraphInWorker {
  private readonly worker: Worker;
  private readonly reply: Promise<GraphWorkerReply>;
  private labelCount = 0;

  constructor(private readonly setup: GraphWorkerSetup) {
    this.worker = new Worker(WORKER_SCRIPT, { workerData: setup });
    this.reply = new Promise((resolve) => {
      this.worker.once('message', resolve);
      // Only what escapes the worker's own error handling: out of memory, a crash while starting.
      this.worker.on('error', (error) => resolve({ type: 'error', error: transportError(error) }));
      this.worker.once('exit', (code) =>
        resolve({ type: 'error', error: transportError(new Error(`The graph worker stopped before finishing (exit code ${code}).`)) }),
      );
    });
  }

  /**
   * Sends vectors packed as rows of the graph's dimensions to be added under the next labels,
   * which it returns in order. `rows` is handed over to the worker: unusable here afterwards.
   */
  addRows(rows: Float32Array<ArrayBuffer>): number[] {
    const count = rows.length / this.setup.dimensions;
    const labels = Array.from({ length: count }, (_, offset) => this.labelCount + offset);
    this.labelCount += count;
    this.worker.postMessage({ type: 'add', rows } satisfies GraphWorkerRequest, [rows.buffer]);
    return labels;
  }

  /**
   * Waits for every vector sent to be inserted, and takes the graph over: written by the worker
   * to a file in `scratchDir`, read back here, and the worker stopped.
   *
   * @throws {@link DiskFullError} when `scratchDir`'s disk has no room for that file
   */
  async finish(scratchDir: string): Promise<ChunkGraph> {
    const file = scratchGraphFile(scratchDir);
    try {
      this.worker.postMessage({ type: 'save', file } satisfies GraphWorkerRequest);
      const reply = await this.reply;
      if (reply.type === 'error') throw reviveError(reply.error);
      // Stopped before the graph is read back, so that it is never held twice at the build's memory peak.
      await this.stop();
      return await ChunkGraph.read(file, this.setup.dimensions, this.setup.parameters);
    } finally {
      await this.stop();
      await rm(file, { force: true });
    }
  }

  /** Stops the worker, graph and all: for a build that failed, and once the graph is taken over. */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
