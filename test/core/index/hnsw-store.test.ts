import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkGraph, DEFAULT_HNSW } from '../../../src/core/index/hnsw-store.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterAll(removeTempDirs);

const VECTORS = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
];

function axisGraph(): ChunkGraph {
  const graph = new ChunkGraph(3);
  graph.add(VECTORS);
  return graph;
}

describe('ChunkGraph', () => {
  it('hands out labels in insertion order and returns cosine similarities, best first', () => {
    const graph = new ChunkGraph(3);
    expect(graph.add(VECTORS)).toEqual([0, 1, 2, 3]);
    expect(graph.add([[0, 1, 1]])).toEqual([4]);
    const results = graph.search([1, 0, 0], 5);
    expect(results.map(({ label }) => label).slice(0, 2)).toEqual([0, 3]);
    expect(results[0]!.score).toBeCloseTo(1, 5);
    expect(results[1]!.score).toBeCloseTo(Math.SQRT1_2, 5);
    // Cosine, not dot product: the query's length does not matter.
    expect(graph.search([5, 0, 0], 1)[0]!.score).toBeCloseTo(1, 5);
  });

  it('returns at most the live labels, only those a filter accepts, and nothing from an empty graph', () => {
    expect(new ChunkGraph(3).search([1, 0, 0], 5)).toEqual([]);
    const graph = axisGraph();
    expect(graph.search([1, 0, 0], 10)).toHaveLength(4);
    expect(graph.search([1, 0, 0], 4, (label) => label % 2 === 1).map(({ label }) => label)).toEqual([3, 1]);
  });

  it('rejects vectors and queries of the wrong length', () => {
    const graph = axisGraph();
    expect(() => graph.add([[1, 0]])).toThrow(/dimensions/);
    expect(() => graph.search([1, 0], 1)).toThrow(/dimensions/);
  });

  it('grows past its initial capacity and still finds every vector', () => {
    const graph = new ChunkGraph(3);
    const vectors = Array.from({ length: 60 }, (_, i) => [Math.cos(i / 10), Math.sin(i / 10), (i % 7) / 7]);
    graph.add(vectors);
    expect(graph.size).toBe(60);
    for (const [label, vector] of vectors.entries()) expect(graph.search(vector, 1)[0]!.label).toBe(label);
  });

  it('deletes labels for good: not found, not counted live, never reused, deleting twice is harmless', () => {
    const graph = axisGraph();
    graph.deleteLabels([0, 0, 99]);
    expect(graph.isLive(0)).toBe(false);
    expect(graph.isLive(1)).toBe(true);
    expect(graph.isLive(4)).toBe(false);
    expect([graph.size, graph.labelCount, graph.deletedLabels.size]).toEqual([3, 4, 1]);
    expect(graph.search([1, 0, 0], 4).map(({ label }) => label)).not.toContain(0);
    expect(graph.add([[1, 0, 0]])).toEqual([4]);
  });

  it('saves and loads back the same vectors, deletions and results; the deletions come from the file', async () => {
    const graph = axisGraph();
    graph.deleteLabels([1]);
    const file = path.join(await makeTempDir('verbatim-graph-'), 'chunks.hnsw');
    await graph.save(file);
    const parameters = { ...DEFAULT_HNSW, efSearch: 7 };
    const loaded = await ChunkGraph.load(file, 3, parameters, await readFile(file));
    expect([loaded.size, loaded.labelCount, loaded.isLive(1)]).toEqual([3, 4, false]);
    expect(loaded.parameters).toEqual(parameters);
    for (const label of [0, 2, 3]) expect(loaded.vectorAt(label)).toEqual(graph.vectorAt(label));
    for (const query of [
      [1, 0, 0],
      [0.2, 0.9, 0.1],
      [-1, -1, 1],
    ])
      expect(loaded.search(query, 4)).toEqual(graph.search(query, 4));
    // A label the file marks deleted can be deleted "again" without reaching the native code, which would throw.
    expect(() => loaded.deleteLabels([1])).not.toThrow();
  });

  it('refuses a damaged file before the native reader sees it', async () => {
    const file = path.join(await makeTempDir('verbatim-graph-'), 'chunks.hnsw');
    await axisGraph().save(file);
    const bytes = (await readFile(file)).subarray(0, 100);
    await expect(ChunkGraph.load(file, 3, DEFAULT_HNSW, bytes)).rejects.toThrow(/chunks\.hnsw is 100 bytes/);
    await expect(ChunkGraph.load(file, 4, DEFAULT_HNSW)).rejects.toThrow(/chunks\.hnsw/);
  });

  it('clones into an independent copy', async () => {
    const graph = axisGraph();
    graph.deleteLabels([2]);
    const copy = await graph.clone(await makeTempDir('verbatim-graph-'));
    copy.deleteLabels([0]);
    copy.add([[0, 1, 1]]);
    expect([graph.size, graph.labelCount, graph.isLive(0)]).toEqual([3, 4, true]);
    expect([copy.size, copy.labelCount, copy.isLive(2)]).toEqual([3, 5, false]);
  });
});
