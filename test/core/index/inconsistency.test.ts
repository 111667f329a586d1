import { describe, expect, it } from 'vitest';
import { inconsistency, type IndexFileCounts } from '../../../src/core/index/corpus-index.js';

const manifest = { documents: [{ source: 'a.txt' }, { source: 'b.txt' }], chunkCount: 5, sentenceCount: 12 } as Parameters<typeof inconsistency>[0];
const agreeing: IndexFileCounts = {
  documents: 2,
  sources: ['a.txt', 'b.txt'],
  labelsOwnedOnce: true,
  chunkLabels: 5,
  sentences: 12,
  vectorFloats: 12 * 4,
  dimensions: 4,
  graphSize: 5,
  lexicalSize: 5,
  lexiconSize: 12,
  lexiconDocuments: 2,
};

describe('inconsistency: which check of the files against the manifest fails', () => {
  it('none when every count agrees', () => {
    expect(inconsistency(manifest, agreeing)).toBeUndefined();
  });

  it.each<[string, Partial<IndexFileCounts>, string]>([
    ['documents in corpus.bin', { documents: 1 }, 'the manifest lists 2 documents, corpus.bin holds 1'],
    ['sources in corpus.bin', { sources: ['b.txt', 'a.txt'] }, 'corpus.bin lists other documents than the manifest, or in another order'],
    ['labels owned once', { labelsOwnedOnce: false }, 'the chunks of corpus.bin do not each have a graph label of their own'],
    ['chunk labels in corpus.bin', { chunkLabels: 4 }, 'the manifest counts 5 chunks, corpus.bin holds 4'],
    ['sentences in corpus.bin', { sentences: 11 }, 'the manifest counts 12 sentences, corpus.bin holds 11'],
    ['sentence vectors', { vectorFloats: 47 }, 'sentences.f32 holds 47 numbers, not 12 vectors of 4'],
    ['graph size', { graphSize: 6 }, 'the manifest counts 5 chunks, the graph holds 6'],
    ['lexical index size', { lexicalSize: 3 }, 'the manifest counts 5 chunks, lexical.bin holds 3'],
    ['lexicon size', { lexiconSize: 13 }, 'the manifest counts 12 sentences, lexicon.bin holds 13'],
    ['lexicon documents', { lexiconDocuments: 1 }, 'the manifest lists 2 documents, lexicon.bin holds 1'],
  ])('%s', (_check, change, problem) => {
    expect(inconsistency(manifest, { ...agreeing, ...change })).toBe(problem);
  });
});
