import { beforeAll, describe, expect, it } from 'vitest';
import { Answerer, DEFAULT_ANSWER } from '../../../src/core/answer/answerer.js';
import type { Citation } from '../../../src/core/answer/types.js';
import { InvalidQuestionError } from '../../../src/core/errors.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';
import type { GloveEmbeddings } from '../../../src/core/index/embeddings/glove.js';
import { CORPUS_DIR, GLOVE_TIMEOUT, loadGlove } from '../../helpers/core.js';

let glove: GloveEmbeddings;
let index: CorpusIndex;
let answerer: Answerer;

beforeAll(async () => {
  glove = await loadGlove();
  ({ index } = await buildIndex({ corpusDir: CORPUS_DIR, indexDir: '', embeddings: glove, save: false }));
  answerer = new Answerer(index, glove);
}, GLOVE_TIMEOUT);

const abstention = (question: string) => ({ question, abstained: true, citations: [] });

describe('Answerer abstains', () => {
  it('on questions about a name the corpus never mentions', async () => {
    for (const question of [
      'What did Angela Merkel say about the summit?',
      'Did Emmanuel Macron attend the Budapest summit?',
      'What did Xi Jinping say about Ukraine?',
      'Is Taylor Swift performing in Budapest?',
    ]) {
      expect(await answerer.ask(question)).toEqual(abstention(question));
    }
  });

  it('on acronyms and numbers the corpus never mentions, even next to known words', async () => {
    expect((await answerer.ask('What is the GDP of Ukraine?')).abstained).toBe(true);
    expect((await answerer.ask('What happened to Ukraine in 1991?')).abstained).toBe(true);
  });

  it('on off-topic questions', async () => {
    for (const question of ['How do I bake sourdough bread?', 'Tell me a joke.', 'What is the capital of Australia?']) {
      expect(await answerer.ask(question)).toEqual(abstention(question));
    }
  });

  it('on questions without content words', async () => {
    for (const question of ['?', 'the', 'What is it?', '!!! ...', 'Who did what to whom?']) {
      expect(await answerer.ask(question)).toEqual(abstention(question));
    }
  });
});

describe('Answerer rejects invalid questions', () => {
  it('throws InvalidQuestionError for an empty or blank question', async () => {
    await expect(answerer.ask('')).rejects.toBeInstanceOf(InvalidQuestionError);
    await expect(answerer.ask('   \n\t ')).rejects.toBeInstanceOf(InvalidQuestionError);
  });

  it('throws InvalidQuestionError over 1000 characters, and accepts exactly 1000', async () => {
    const long = 'a'.repeat(1001);
    const error = await answerer.ask(long).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidQuestionError);
    expect((error as Error).message).toMatch(/1000/);
    await expect(answerer.ask(`Why ${'x'.repeat(996)}`)).resolves.toMatchObject({ question: `Why ${'x'.repeat(996)}` });
  });
});

describe('Answerer answers', () => {
  it('folds white space in the question it echoes', async () => {
    const answer = await answerer.ask('   Who reported\n\nthe    cancellation?  ');
    expect(answer.question).toBe('Who reported the cancellation?');
    expect(answer.abstained).toBe(false);
    expect(answer.citations[0]!.quote).toContain('according to a Financial Times report');
  });

  it('respects maxQuotes', async () => {
    const one = new Answerer(index, glove, { ...DEFAULT_ANSWER, maxQuotes: 1 });
    const answer = await one.ask("What are Russia's demands?");
    expect(answer.citations).toHaveLength(1);
  });

  it('does not quote the same sentence twice', async () => {
    for (const question of ["What are Russia's demands?", 'What did Zelenskyy say about long-range capabilities?']) {
      const quotes = (await answerer.ask(question)).citations.map((citation: Citation) => `${citation.source}:${citation.start}`);
      expect(new Set(quotes).size).toBe(quotes.length);
    }
  });
});

describe('Answerer reads spelling variants of the corpus’s names', () => {
  it('answers about "Zelensky" from the sentences about Zelenskyy', async () => {
    const answer = await answerer.ask('What did Zelensky say about withdrawing troops?');
    expect(answer.abstained).toBe(false);
    expect(answer.citations[0]!.quote).toContain('will not withdraw troops first');
  });
});
