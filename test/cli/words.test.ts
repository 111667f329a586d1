import { describe, expect, it } from 'vitest';
import { answerText, answerToText } from '../../src/cli/ask.js';
import { describeError as forCli } from '../../src/cli/errors.js';
import { describeError as forBot } from '../../src/discord/errors.js';
import { ABSTENTION, type Answer, type Citation } from '../../src/core/answer/types.js';
import {
  DiskFullError,
  ForeignIndexFolderError,
  IndexCorruptError,
  IndexMismatchError,
  IndexNotFoundError,
  ReindexInProgressError,
  reviveError,
  transportError,
  type VerbatimError,
} from '../../src/core/errors.js';

const citation = (n: number, quote: string, extra: Partial<Citation> = {}): Citation => ({
  n,
  source: 'a.txt',
  title: 'A',
  quote,
  start: 0,
  end: quote.length,
  score: 1,
  reference: { documentHash: 'ab'.repeat(32), sentence: n - 1 },
  ...extra,
});

describe('the CLI words an answer', () => {
  it('as the quotes in quotation marks with their markers, one a line', () => {
    const answer: Answer = { question: 'Q?', abstained: false, confidence: 'high', citations: [citation(1, 'One.'), citation(2, 'Two.')] };
    expect(answerText(answer)).toBe('“One.” [1]\n“Two.” [2]');
  });

  it('as the abstention sentence when abstained', () => {
    expect(answerText({ question: 'Q?', abstained: true, citations: [] })).toBe(ABSTENTION);
  });

  it('with the publisher on each source line', () => {
    const answer: Answer = {
      question: 'Q?',
      abstained: false,
      confidence: 'high',
      citations: [citation(1, 'One.', { publisher: 'Reuters', date: '2025-10-22', section: 'Talks' })],
    };
    expect(answerToText(answer)).toBe('“One.” [1]\n\nSources:\n[1] A — Reuters — 2025-10-22 — Talks (a.txt)\n');
  });
});

describe('core errors carry data; each front end words what to do', () => {
  const cases: [VerbatimError, string, string][] = [
    [new IndexNotFoundError('/i'), 'No index found in /i. Build it with `npm run index`.', 'No index found in /i. Build it with `npm run index`.'],
    [
      new IndexCorruptError('/i', 'x is missing'),
      'The index in /i is unreadable (x is missing). Rebuild it with `npm run index`.',
      'The index in /i is unreadable (x is missing). Rebuild it with `npm run index`.',
    ],
    [
      new IndexMismatchError('/i', 'glove:a', 'openai:b'),
      'The index in /i was built with glove:a, but the configured embeddings are openai:b. Reindex (`npm run index`) to use them.',
      'The index in /i was built with glove:a, but the configured embeddings are openai:b. Reindex (`npm run index`, or /reindex in Discord) to use them.',
    ],
    [
      new DiskFullError('/i'),
      'Disk full at /i: free some space and run `npm run index` again.',
      'Disk full at /i: free some space and run /reindex (or `npm run index`) again.',
    ],
    [
      new ReindexInProgressError(),
      'A reindex is already running. Wait for it to finish.',
      'A reindex is already running. Wait for it to finish; /ask keeps answering meanwhile.',
    ],
  ];
  it.each(cases)('%s', (error, cli, bot) => {
    expect(error.message).not.toMatch(/npm run|\/reindex|\/ask|--index/);
    expect(forCli(error)).toBe(cli);
    expect(forBot(error)).toBe(bot);
    // The remedy code crosses a worker's thread boundary with the other fields.
    expect(forBot(reviveError(transportError(error)) as VerbatimError)).toBe(bot);
  });

  it('names the folder setting for a foreign folder, never the command that would replace it', () => {
    const error = new ForeignIndexFolderError('/notes', 'no manifest');
    expect(forCli(error)).toContain('Set INDEX_DIR (or --index) to a new or empty folder');
    expect(forCli(error)).not.toMatch(/npm run index/);
    expect(error.indexDir).toBe('/notes');
  });
});
