import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceScorer, type EvidenceOptions } from '../../../src/core/answer/evidence.js';
import type { QuestionWord } from '../../../src/core/answer/question.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { termOf } from '../../../src/core/text/tokens.js';
import { HashEmbeddings, makeTempDir, removeTempDirs } from '../../helpers/core.js';

const OPTIONS: EvidenceOptions = {
  weights: { lexical: 1, dense: 0, chunk: 1 },
  context: { heading: 0.5, leadIn: 0.5, previous: 0.5, document: 0.25 },
  soft: { floor: 0.5, scale: 0.5 },
  keyPenalty: 0.5,
  typePenalty: 0.5,
};

const word = (written: string, weight: number, key = false): QuestionWord => ({
  word: written.toLowerCase(),
  term: termOf(written)!,
  key,
  written,
  weight,
  known: true,
});

describe('EvidenceScorer', () => {
  let index: CorpusIndex;
  let docOf: (source: string) => number;

  beforeAll(async () => {
    const corpusDir = path.join(await makeTempDir(), 'corpus');
    await mkdir(corpusDir);
    await writeFile(path.join(corpusDir, 'mine.txt'), '---\ntitle: Zebra report\n---\nThe copper mine closed in March. Workers said the strike was long.\n');
    await writeFile(path.join(corpusDir, 'other.txt'), '---\ntitle: Weather notes\n---\nRain fell on the hills all week.\n');
    ({ index } = await buildIndex({ corpusDir, indexDir: '', embeddings: new HashEmbeddings(), save: false }));
    docOf = (source) => index.documents.findIndex(({ document }) => document.source === source);
  });
  afterAll(removeTempDirs);

  // "copper" weighs 2 and is the rarest word; "March" is a key word (a name).
  const question = [word('copper', 2), word('March', 1, true)];
  const scorer = () => new EvidenceScorer(index, question, [0, 0], undefined, OPTIONS);

  it('gives a sentence holding every question word full lexical, exact and key support', () => {
    const scored = scorer().score({ doc: docOf('mine.txt'), sentence: 0 }, 0);
    expect(scored).toMatchObject({ lexical: 1, exact: 1, keySupport: 1, rarest: 1, dense: 0, chunk: 0, typed: true });
    expect(scored.score).toBeCloseTo(1);
  });

  it('counts the words of the sentence before at the context weight, as support but not as an exact match', () => {
    const scored = scorer().score({ doc: docOf('mine.txt'), sentence: 1 }, 0);
    expect(scored.lexical).toBeCloseTo(0.5);
    expect(scored.exact).toBe(0);
    expect(scored.keySupport).toBe(1);
    expect(scored.rarest).toBeCloseTo(0.5);
    expect(scored.score).toBeCloseTo(0.5);
  });

  it('weighs the question words by their weight: a sentence matching only the lighter one scores its share', () => {
    const scored = new EvidenceScorer(index, [word('copper', 2), word('rain', 1)], [0, 0], undefined, OPTIONS).score(
      { doc: docOf('other.txt'), sentence: 0 },
      0,
    );
    expect(scored.lexical).toBeCloseTo(1 / 3);
    expect(scored.exact).toBeCloseTo(1 / 3);
    expect(scored.rarest).toBe(0);
  });

  it('takes keyPenalty off a sentence that names none of the key words, its chunk score included', () => {
    const scored = scorer().score({ doc: docOf('other.txt'), sentence: 0 }, 0.4);
    expect(scored).toMatchObject({ lexical: 0, keySupport: 0, chunk: 0.4 });
    expect(scored.score).toBeCloseTo(0.4 * (1 - OPTIONS.keyPenalty));
  });
});
