import { describe, expect, it, vi } from 'vitest';
import { retrieveChunks, type RetrievalOptions } from '../../../src/core/answer/retrieve.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';

/** An index whose dense and lexical searches return these labels, best first. */
function fakeIndex(dense: number[], lexical: number[]) {
  const search = vi.fn((_vector: number[], k: number) => dense.slice(0, k).map((label) => ({ label, distance: 0 })));
  const searchTerms = vi.fn((_terms: string[], k: number) => lexical.slice(0, k).map((label) => ({ label, score: 1 })));
  const index = { graph: { search }, lexical: { searchTerms } } as unknown as CorpusIndex;
  return { index, search, searchTerms };
}

const OPTIONS: RetrievalOptions = { perList: 10, topChunks: 3, keepPerList: 1, rrfK: 60 };
const labels = (chunks: { label: number }[]) => chunks.map((chunk) => chunk.label);

describe('retrieveChunks', () => {
  // 2…6 are fair in both lists; 1 leads the dense list only, 7 the lexical list only.
  const dense = [1, 2, 3, 4, 5, 6];
  const lexical = [7, 2, 3, 4, 5, 6];

  it('fuses the lists by reciprocal rank: a chunk in both beats a chunk first in one', () => {
    const chunks = retrieveChunks(fakeIndex(dense, lexical).index, ['x'], [1, 0], { ...OPTIONS, keepPerList: 0 });
    expect(labels(chunks)).toEqual([2, 3, 4]);
    expect(chunks[0]!.score).toBeCloseTo(2 / 62);
    expect(chunks[0]).toMatchObject({ denseRank: 1, lexicalRank: 1 });
  });

  it('keeps the leaders of each list past the top chunks, and nothing else', () => {
    const chunks = retrieveChunks(fakeIndex(dense, lexical).index, ['x'], [1, 0], OPTIONS);
    expect(labels(chunks).slice(0, 3)).toEqual([2, 3, 4]);
    expect(labels(chunks).slice(3).sort()).toEqual([1, 7]);
    expect(chunks.find((chunk) => chunk.label === 1)).toEqual({ label: 1, denseRank: 0, score: 1 / 61 });
    expect(chunks.find((chunk) => chunk.label === 7)).toEqual({ label: 7, lexicalRank: 0, score: 1 / 61 });
  });

  it('keeps keepPerList leaders of each list: the first two of each with 2', () => {
    const chunks = retrieveChunks(fakeIndex([1, 8, 2, 3, 4], [7, 9, 2, 3, 4]).index, ['x'], [1, 0], { ...OPTIONS, topChunks: 1, keepPerList: 2 });
    expect(labels(chunks)[0]).toBe(2);
    expect(labels(chunks).sort((a, b) => a - b)).toEqual([1, 2, 7, 8, 9]);
  });

  it('asks each list for perList candidates, and skips the dense search for a question without a direction', () => {
    const { index, search, searchTerms } = fakeIndex(dense, lexical);
    retrieveChunks(index, ['x'], [1, 0], { ...OPTIONS, perList: 4 });
    expect(search).toHaveBeenCalledWith([1, 0], 4);
    expect(searchTerms).toHaveBeenCalledWith(['x'], 4);
    search.mockClear();
    const chunks = retrieveChunks(index, ['x'], [0, 0], OPTIONS);
    expect(search).not.toHaveBeenCalled();
    expect(labels(chunks)).toEqual([7, 2, 3]);
  });
});
