import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkGraph, DEFAULT_HNSW } from '../../../src/core/index/hnsw-store.js';
import { LoadedGraph } from '../../../src/core/index/loaded-graph.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterAll(removeTempDirs);

/** 200 vectors of 8 dimensions in hnswlib, labels 0, 5, 10… deleted, and the bytes of its saved file. */
async function savedGraph(): Promise<{ graph: ChunkGraph; file: string; bytes: Buffer }> {
  const graph = new ChunkGraph(8);
  graph.add(Array.from({ length: 200 }, (_, i) => Array.from({ length: 8 }, (_, d) => Math.sin(i * 7 + d * 3) + (d === i % 8 ? 1 : 0))));
  graph.deleteLabels(Array.from({ length: 40 }, (_, i) => i * 5));
  const file = path.join(await makeTempDir('verbatim-loaded-graph-'), 'chunks.hnsw');
  await graph.save(file);
  return { graph, file, bytes: await readFile(file) };
}

const QUERIES = [[1, 0, 0, 0, 0, 0, 0, 0], [0.3, -0.2, 0.9, 0.1, 0, 0.5, -1, 0.2], new Array<number>(8).fill(1)];

describe('LoadedGraph', () => {
  it('answers as the hnswlib graph it was saved from: labels, deletions, vectors, searches', async () => {
    const { graph, bytes } = await savedGraph();
    const loaded = LoadedGraph.fromBytes(bytes, 8, DEFAULT_HNSW);
    expect([loaded.labelCount, loaded.size, [...loaded.deletedLabels].sort((a, b) => a - b)]).toEqual([
      graph.labelCount,
      graph.size,
      [...graph.deletedLabels].sort((a, b) => a - b),
    ]);
    for (const label of [1, 2, 199]) expect(loaded.vectorAt(label)).toEqual(graph.vectorAt(label));
    expect(() => loaded.vectorAt(5)).toThrow(/Label not found/);
    expect([loaded.isLive(5), loaded.isLive(6), loaded.isLive(200), loaded.isLive(1.5)]).toEqual([false, true, false, false]);
    for (const query of QUERIES) {
      expect(loaded.search(query, 10)).toEqual(graph.search(query, 10));
      expect(loaded.search(query, 7, (label) => label % 2 === 1)).toEqual(graph.search(query, 7, (label) => label % 2 === 1));
      expect(loaded.search(query, 500)).toEqual(graph.search(query, 500));
    }
    expect(() => loaded.search([1, 0], 1)).toThrow(/dimensions/);
    // A filter that searches the same graph again does not disturb the search that called it.
    const oddOnly = (label: number) => label % 2 === 1;
    expect(loaded.search(QUERIES[1]!, 7, (label) => loaded.search(QUERIES[0]!, 3).length === 3 && oddOnly(label))).toEqual(
      graph.search(QUERIES[1]!, 7, oddOnly),
    );
  });

  it('gives hnswlib a copy to change, made from its bytes, and saves the bytes it was given', async () => {
    const { graph, file, bytes } = await savedGraph();
    const loaded = LoadedGraph.fromBytes(bytes, 8, DEFAULT_HNSW);
    const copy = await loaded.clone(await makeTempDir('verbatim-loaded-graph-'));
    for (const query of QUERIES) expect(copy.search(query, 10)).toEqual(graph.search(query, 10));
    copy.deleteLabels([1, 5]);
    expect(copy.add([[1, 1, 1, 1, 0, 0, 0, 0]])).toEqual([200]);
    expect([copy.size, copy.labelCount, loaded.size, loaded.labelCount, loaded.isLive(1)]).toEqual([160, 201, 160, 200, true]);
    const saved = path.join(path.dirname(file), 'again.hnsw');
    await loaded.save(saved);
    expect((await readFile(saved)).equals(bytes)).toBe(true);
  });

  it('refuses damaged bytes, naming the file and the broken rule', async () => {
    const { bytes } = await savedGraph();
    expect(() => LoadedGraph.fromBytes(bytes.subarray(0, 100), 8, DEFAULT_HNSW)).toThrow(/chunks\.hnsw is 100 bytes/);
    expect(() => LoadedGraph.fromBytes(bytes, 9, DEFAULT_HNSW)).toThrow(/chunks\.hnsw has element offsets/);
  });
});
