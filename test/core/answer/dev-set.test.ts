import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../../../src/core/answer/answerer.js';
import type { Answer } from '../../../src/core/answer/types.js';
import { isVerbatim } from '../../../src/core/answer/verify.js';
import { evaluate, parseQuestions } from '../../../src/core/eval.js';
import { buildIndex } from '../../../src/core/index/build.js';
import { loadIndex, type CorpusIndex } from '../../../src/core/index/corpus-index.js';
import {
  ARTICLE_DATE_MARKER,
  ARTICLE_PATH,
  ARTICLE_SOURCE,
  CORPUS_DIR,
  DEV_QUESTIONS,
  GLOVE_TIMEOUT,
  loadGlove,
  makeTempDir,
  readDevQuestions,
  removeTempDirs,
  type DevQuestion,
} from '../../helpers/core.js';

/**
 * The whole development set against the real index of corpus/ with the real GloVe
 * embeddings: every quote is verbatim, and the answers are as good as the project promises.
 */
let index: CorpusIndex;
let fileText: string;
let questions: DevQuestion[];
const answers = new Map<string, Answer>();

beforeAll(async () => {
  const glove = await loadGlove();
  // Built to disk and read back, as the bot and the CLI use it.
  const indexDir = path.join(await makeTempDir('verbatim-dev-set-'), 'index');
  await buildIndex({ corpusDir: CORPUS_DIR, indexDir, embeddings: glove });
  index = await loadIndex(indexDir, glove);
  fileText = await readFile(ARTICLE_PATH, 'utf8');
  questions = await readDevQuestions();
  const answerer = new Answerer(index, glove);
  for (const { question } of questions) answers.set(question, await answerer.ask(question));
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

const contains = (quote: string | undefined, evidence: string[]) => quote !== undefined && evidence.some((text) => quote.includes(text));

describe('dev set: offsets', () => {
  it('indexes the article body as the file text minus the date marker', () => {
    expect(index.documents).toHaveLength(1);
    const { document } = index.documents[0]!;
    expect(document.source).toBe(ARTICLE_SOURCE);
    expect(fileText.startsWith(ARTICLE_DATE_MARKER)).toBe(true);
    expect(document.body).toBe(fileText.slice(ARTICLE_DATE_MARKER.length));
  });

  it('has 24 questions, both kinds', () => {
    expect(questions).toHaveLength(24);
    expect(questions.filter((q) => q.kind === 'unanswerable').length).toBeGreaterThan(0);
  });

  it('every citation of every answer is body.slice(start, end) of its document, and a slice of the file', () => {
    let citations = 0;
    for (const { question } of questions) {
      const answer = answers.get(question)!;
      for (const citation of answer.citations) {
        const doc = index.documents.find((segmented) => segmented.document.source === citation.source);
        expect(doc, question).toBeDefined();
        expect(doc!.document.body.slice(citation.start, citation.end), question).toBe(citation.quote);
        const offset = ARTICLE_DATE_MARKER.length;
        expect(fileText.slice(citation.start + offset, citation.end + offset), question).toBe(citation.quote);
        expect(citation.quote, question).toBe(citation.quote.trim());
        expect(citation.quote.length, question).toBeGreaterThan(0);
        expect(isVerbatim(Buffer.from(fileText), citation), question).toBe(true);
        citations++;
      }
    }
    expect(citations).toBeGreaterThan(18);
  });

  it('numbers citations from 1, scores them in (0, 1] best first, with title, date and section', () => {
    for (const answer of answers.values()) {
      answer.citations.forEach((citation, i) => {
        expect(citation.n).toBe(i + 1);
        expect(citation.score).toBeGreaterThan(0);
        expect(citation.score).toBeLessThanOrEqual(1);
        if (i > 0) expect(citation.score).toBeLessThanOrEqual(answer.citations[i - 1]!.score);
        expect(citation.title).toBe(index.documents[0]!.document.title);
        expect(citation.date).toBe('2025-10-31');
      });
      expect(answer.citations.length).toBeLessThanOrEqual(3);
    }
    const rubio = answers.get('What did Rubio tell Trump?')!;
    expect(rubio.citations[0]!.section).toBe('Trump Calls Meeting “Pointless” Amid Stalemate');
  });
});

describe('dev set: answer quality', () => {
  it('quotes an evidence string within the first 3 quotes of every answerable question', () => {
    const misses = questions
      .filter((q) => q.kind === 'answerable')
      .filter(
        (q) =>
          !answers
            .get(q.question)!
            .citations.slice(0, 3)
            .some((citation) => contains(citation.quote, q.evidence)),
      )
      .map((q) => q.question);
    expect(misses).toEqual([]);
  });

  it('is never sure on an unanswerable question, and abstains with the abstention sentence on most', () => {
    const unanswerable = questions.filter((question) => question.kind === 'unanswerable');
    for (const q of unanswerable) expect(answers.get(q.question)!.confidence, q.question).not.toBe('high');
    const abstained = unanswerable.filter((q) => answers.get(q.question)!.abstained);
    for (const q of abstained) expect(answers.get(q.question), q.question).toEqual({ question: q.question, abstained: true, citations: [] });
    expect(abstained.length).toBeGreaterThanOrEqual(4);
  });

  it('never abstains on an answerable question', () => {
    for (const q of questions.filter((question) => question.kind === 'answerable')) expect(answers.get(q.question)!.abstained, q.question).toBe(false);
  });

  it('hits at 1 at least 90% of the time', () => {
    const answerable = questions.filter((q) => q.kind === 'answerable');
    const hits = answerable.filter((q) => contains(answers.get(q.question)!.citations[0]?.quote, q.evidence));
    expect(hits.length / answerable.length).toBeGreaterThanOrEqual(0.9);
  });

  it('quotes the list items, not their lead-in, for “What are Russia’s demands?”', () => {
    const quotes = answers.get("What are Russia's demands?")!.citations.map((citation) => citation.quote);
    expect(quotes).not.toContain('These demands include:');
    expect(quotes.some((quote) => quote.startsWith('Ukraine ceding more territory'))).toBe(true);
  });

  it('agrees with the project’s own evaluation (src/core/eval.ts)', async () => {
    const parsed = parseQuestions(await readFile(DEV_QUESTIONS, 'utf8'));
    const summary = await evaluate(async (question) => answers.get(question)!, CORPUS_DIR, parsed);
    expect(summary).toMatchObject({ answerable: 18, unanswerable: 6, hitAt3: 1, unanswerableAbstainedOrTentative: 6, falseAbstentions: 0, verbatimRate: 1 });
    expect(summary.abstainedUnanswerable).toBeGreaterThanOrEqual(4);
    expect(summary.hitAt1).toBeGreaterThanOrEqual(0.9);
  });
});
