import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkGraph, DEFAULT_HNSW } from '../../../src/core/index/hnsw-store.js';
import { GraphInWorker } from '../../../src/core/index/worker-graph.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterAll(removeTempDirs);

const DIMENSIONS = 8;

/** `count` vectors of a fixed pseudo-random sequence, packed as rows. */
function rows(count: number, seed: number): Float32Array<ArrayBuffer> {
  const packed = new Float32Array(count * DIMENSIONS);
  let state = seed;
  for (let i = 0; i < packed.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    packed[i] = state / 2 ** 31 - 0.5;
  }
  return packed;
}

describe('GraphInWorker', () => {
  it('builds, from the same vectors in the same order, the graph a ChunkGraph builds in this thread', async () => {
    const dir = await makeTempDir();
    const batches = [rows(300, 1), rows(1, 2), rows(500, 3)];
    const here = new ChunkGraph(DIMENSIONS, DEFAULT_HNSW);
    here.reserve(801);
    const inWorker = new GraphInWorker({ dimensions: DIMENSIONS, parameters: DEFAULT_HNSW, capacity: 801 });
    const labels = batches.map((batch) => {
      here.addRows(batch);
      return inWorker.addRows(batch.slice());
    });
    expect(labels.map((batch) => [batch[0], batch.length])).toEqual([
      [0, 300],
      [300, 1],
      [301, 500],
    ]);
    const built = await inWorker.finish(dir);
    expect(built.size).toBe(801);
    await here.save(path.join(dir, 'here.hnsw'));
    await built.save(path.join(dir, 'worker.hnsw'));
    expect((await readFile(path.join(dir, 'worker.hnsw'))).equals(await readFile(path.join(dir, 'here.hnsw')))).toBe(true);
    // The file the graph came through is gone.
    expect((await readdir(dir)).sort()).toEqual(['here.hnsw', 'worker.hnsw']);
  });

  it('reports at finish what failed in the worker', async () => {
    const graph = new GraphInWorker({ dimensions: DIMENSIONS, parameters: DEFAULT_HNSW, capacity: 10 });
    graph.addRows(rows(10, 4));
    await expect(graph.finish(path.join(await makeTempDir(), 'missing-folder'))).rejects.toThrow();
  });
});
