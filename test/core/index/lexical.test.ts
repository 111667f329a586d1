import { describe, expect, it } from 'vitest';
import { LexicalIndex } from '../../../src/core/index/lexical.js';
import { termOf } from '../../../src/core/text/tokens.js';

const TEXTS = [
  'The Budapest summit was cancelled after a phone call.',
  'Copper prices surged after a strike at the mine.',
  'The summit of the mountain was covered in snow.',
  'Cancellation of the match disappointed fans.',
];

describe('LexicalIndex', () => {
  it('ranks chunks by BM25 over stemmed content words, best first', () => {
    const index = LexicalIndex.build(TEXTS);
    const results = index.searchLabels('Why was the summit cancelled?', 10);
    expect(results[0]!.label).toBe(0);
    expect(results.map((result) => result.label).sort()).toEqual([0, 2, 3]);
    for (let i = 1; i < results.length; i++) expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
    expect(index.searchLabels('summit', 1)).toHaveLength(1);
    expect(index.searchLabels('the of was', 10)).toEqual([]);
  });

  it('knows which terms the chunks hold, and weighs rare terms more', () => {
    const index = LexicalIndex.build(TEXTS);
    expect(index.size).toBe(4);
    expect(index.has(termOf('copper')!)).toBe(true);
    expect(index.has(termOf('cancellation')!)).toBe(true);
    expect(index.has(termOf('banana')!)).toBe(false);
    expect(index.has('the')).toBe(false);
    expect(index.idf(termOf('copper')!)).toBeGreaterThan(index.idf(termOf('summit')!));
    expect(index.idf(termOf('banana')!)).toBeGreaterThan(index.idf(termOf('copper')!));
  });

  it('round-trips through JSON', () => {
    const index = LexicalIndex.build(TEXTS);
    const loaded = LexicalIndex.fromJSON(index.toJSON());
    expect(loaded.size).toBe(index.size);
    for (const query of ['summit cancelled', 'copper strike', 'snow']) expect(loaded.searchLabels(query, 5)).toEqual(index.searchLabels(query, 5));
    expect(loaded.idf(termOf('copper')!)).toBe(index.idf(termOf('copper')!));
  });
});

describe('LexicalIndex.searchTerms', () => {
  const index = LexicalIndex.build(['Zelenskyy rejected the proposal.', 'Zelenskyy spoke again about troops.', 'The summit was cancelled.']);

  it('ranks chunks for processed terms', () => {
    expect(index.searchTerms([termOf('summit')!], 3).map((result) => result.label)).toEqual([2]);
    expect(index.searchTerms([], 3)).toEqual([]);
  });
});
