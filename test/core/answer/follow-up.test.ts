import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Answerer, DEFAULT_ANSWER } from '../../../src/core/answer/answerer.js';
import type { Answer } from '../../../src/core/answer/types.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { GloveEmbeddings } from '../../../src/core/index/embeddings/glove.js';
import { CORPUS_DIR, GLOVE_TIMEOUT, loadGlove, ROOT } from '../../helpers/core.js';

let story: Answerer;
let sotu: Answerer;

beforeAll(async () => {
  const glove: GloveEmbeddings = await loadGlove();
  const build = async (corpusDir: string) =>
    new Answerer((await buildIndex({ corpusDir, indexDir: '', embeddings: glove, save: false })).index, glove, DEFAULT_ANSWER);
  story = await build(CORPUS_DIR);
  sotu = await build(path.join(ROOT, 'test/fixtures/sotu-dev/corpus'));
}, GLOVE_TIMEOUT);

const first = (answer: Answer) => answer.citations[0]?.quote ?? '';

describe('a follow-up asked with the previous question', () => {
  it('leaves a question without context exactly as it was', async () => {
    for (const question of ['Why was the Budapest summit cancelled?', 'What did Angela Merkel say?', 'and when?', 'who wrote this?']) {
      const plain = await story.ask(question);
      expect(await story.ask(question, {})).toEqual(plain);
      expect(await story.ask(question, { previous: '   ' })).toEqual(plain);
    }
  });

  it('carries the previous question’s subject when the follow-up leaves it out', async () => {
    const previous = 'How has Trump tried to pressure Russia?';
    expect(first(await story.ask('what about Ukraine?'))).not.toContain('pressuring Ukraine');
    const followed = await story.ask('what about Ukraine?', { previous });
    expect(followed.question).toBe('what about Ukraine?');
    expect(first(followed)).toContain('swung between pressuring Russia and pressuring Ukraine');

    expect(first(await sotu.ask('and what about the women there?'))).not.toContain('Afghanistan');
    expect(first(await sotu.ask('and what about the women there?', { previous: 'What did Bush say about Afghanistan?' }))).toContain(
      "women are free and are part of Afghanistan's new Government",
    );
  });

  it('answers surely where the follow-up alone was only close', async () => {
    const alone = await sotu.ask('what dangers did he see in it?');
    expect(alone.confidence).not.toBe('high');
    const followed = await sotu.ask('what dangers did he see in it?', { previous: 'What did Roosevelt say about relief for the unemployed?' });
    expect(followed.confidence).toBe('high');
    expect(first(followed)).toContain('dangers inherent in the direct giving of relief');
  });

  it('keeps a sure answer to the follow-up alone, whatever came before', async () => {
    const alone = await story.ask('and what did he say about NATO?');
    expect(alone.confidence).toBe('high');
    expect(await story.ask('and what did he say about NATO?', { previous: 'What did Trump say about Putin?' })).toEqual(alone);
  });

  it('finds sentences by the follow-up’s own words: an unrelated previous question does not pull the answer away', async () => {
    const question = 'which country did the us team up with to shut down the transatlantic slave trafficking?';
    const quotes = (answer: Answer) => answer.citations.map((citation) => citation.quote).join(' ');
    expect(quotes(await sotu.ask(question))).toContain('The treaty with Great Britain for the suppression of the slave trade');
    expect(quotes(await sotu.ask(question, { previous: 'what did bush want to do to protect peoples retirment accounts like 401ks?' }))).toContain(
      'The treaty with Great Britain for the suppression of the slave trade',
    );
  });

  it('still abstains on a follow-up naming what the articles never mention', async () => {
    const answer = await story.ask('and what did Angela Merkel say?', { previous: 'What did Trump say about Putin?' });
    expect(answer.abstained).toBe(true);
  });

  it('answers a follow-up without a content word of its own from the previous question’s', async () => {
    const alone = await story.ask('and why?');
    expect(alone.abstained).toBe(true);
    const followed = await story.ask('and why?', { previous: 'Why was the Budapest summit cancelled?' });
    expect(followed.abstained).toBe(false);
  });
});
