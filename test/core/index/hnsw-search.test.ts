import { readFile } from 'node:fs/promises';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHnswFile } from '../../../src/core/index/hnsw-file.js';
import { HnswSearch, normalisedQuery } from '../../../src/core/index/hnsw-search.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';
import { seededRandom } from '../../../bench/stats.js';

afterAll(removeTempDirs);

/** Deterministic numbers in [-1, 1): the same graphs and queries every run. */
function numbers(seed: number): () => number {
  const random = seededRandom(seed);
  return () => random() * 2 - 1;
}

interface Case {
  dimensions: number;
  points: number;
  /** Every how many labels one is marked deleted; 0 for none (hnswlib's bare-bone search). */
  deleteEvery: number;
}

/**
 * Builds a graph natively, as the store does (cosine space, M 16, efConstruction 100), with
 * repeated vectors (an index of repeated articles is full of equal distances) and small-integer
 * ones (equal sums), and returns it with a search over the file it saves.
 */
async function graphs({
  dimensions,
  points,
  deleteEvery,
}: Case): Promise<{ native: InstanceType<typeof hnswlib.HierarchicalNSW>; search: HnswSearch; vectors: number[][] }> {
  const random = numbers(dimensions * 1000 + deleteEvery);
  const vectors: number[][] = [];
  for (let i = 0; i < points; i++) {
    if (i % 5 === 4) vectors.push(vectors[i - 3]!);
    else if (i % 7 === 6) vectors.push(Array.from({ length: dimensions }, () => Math.round(random() * 2)));
    else vectors.push(Array.from({ length: dimensions }, random));
  }
  const native = new hnswlib.HierarchicalNSW('cosine', dimensions);
  native.initIndex({ maxElements: points, m: 16, efConstruction: 100, randomSeed: 100 });
  vectors.forEach((vector, label) => native.addPoint(vector, label));
  if (deleteEvery > 0) for (let label = 0; label < points; label += deleteEvery) native.markDelete(label);
  const file = path.join(await makeTempDir('verbatim-hnsw-search-'), `${dimensions}.hnsw`);
  await native.writeIndex(file);
  const check = checkHnswFile(await readFile(file), dimensions);
  if (!check.ok) throw new Error(check.problem);
  return { native, search: new HnswSearch(check.layout, dimensions), vectors };
}

// 3: hnswlib's plain loop; 7 and 21: four SSE lanes over the first 4 or 16 multiples, the rest in a loop; 32 and 100: lanes only.
const CASES: Case[] = [
  { dimensions: 3, points: 800, deleteEvery: 0 },
  { dimensions: 7, points: 1500, deleteEvery: 9 },
  { dimensions: 21, points: 1500, deleteEvery: 0 },
  { dimensions: 32, points: 2500, deleteEvery: 11 },
  { dimensions: 100, points: 3000, deleteEvery: 0 },
  { dimensions: 100, points: 3000, deleteEvery: 7 },
];

describe('HnswSearch', () => {
  it.each(CASES)(
    'returns what hnswlib searchKnn returns, to the bit: $dimensions dimensions, $points points, every $deleteEvery deleted',
    async (graphCase) => {
      const { native, search, vectors } = await graphs(graphCase);
      const random = numbers(graphCase.points);
      const queries = [
        ...Array.from({ length: 60 }, () => Array.from({ length: graphCase.dimensions }, random)),
        // Stored vectors (distance 0 to several repeated points) and a zero vector (every distance 1): ties everywhere.
        ...vectors.slice(0, 20),
        new Array<number>(graphCase.dimensions).fill(0),
      ];
      const filters = [undefined, (label: number) => label % 3 !== 0];
      let compared = 0;
      for (const query of queries) {
        for (const [k, ef] of [
          [1, 16],
          [10, 128],
          [40, 20],
        ] as const) {
          for (const filter of filters) {
            native.setEf(ef);
            const expected = native.searchKnn(query, k, filter);
            const actual = search.search(normalisedQuery(query), k, ef, filter);
            expect(actual).toEqual(expected);
            expect(actual.distances.every((distance, i) => distance === expected.distances[i])).toBe(true);
            compared++;
          }
        }
      }
      expect(compared).toBe(queries.length * 6);
    },
  );

  it('normalises a query as the addon does: float32 sum of squares, float32 division', () => {
    const query = [3, 4, 0.1];
    const norm = Math.fround(Math.sqrt(Math.fround(Math.fround(9 + 16) + Math.fround(Math.fround(0.1) * Math.fround(0.1)))));
    expect(Array.from(normalisedQuery(query))).toEqual(query.map((x) => Math.fround(Math.fround(x) / norm)));
    expect(Array.from(normalisedQuery([0, 0]))).toEqual([0, 0]);
  });
});
