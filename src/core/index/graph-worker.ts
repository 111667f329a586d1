/**
 * The worker thread of {@link GraphInWorker}: inserts the vectors it is sent into a
 * {@link ChunkGraph}, in order, and writes the graph to the file `save` names. Not an entry
 * point for anything else.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { transportError } from '../errors.js';
import { ChunkGraph } from './hnsw-store.js';
import type { GraphWorkerReply, GraphWorkerRequest, GraphWorkerSetup } from './worker-graph.js';

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { dimensions, parameters, capacity } = workerData as GraphWorkerSetup;
  const graph = new ChunkGraph(dimensions, parameters);
  graph.reserve(capacity);
  let failed = false;
  port.on('message', async (request: GraphWorkerRequest) => {
    if (failed) return;
    try {
      if (request.type === 'add') {
        graph.addRows(request.rows);
      } else {
        await graph.save(request.file);
        port.postMessage({ type: 'saved' } satisfies GraphWorkerReply);
      }
    } catch (error) {
      // The first failure is the answer; what was sent after it is dropped.
      failed = true;
      port.postMessage({ type: 'error', error: transportError(error) } satisfies GraphWorkerReply);
    }
  });
}
