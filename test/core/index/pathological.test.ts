import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/core/corpus/article.js';
import { segmentDocument } from '../../../src/core/index/segment.js';

/** Reads and segments an article as a build does, in milliseconds. */
function segmentMs(text: string): { ms: number; sentences: number } {
  const started = performance.now();
  const { sentences } = segmentDocument(parseArticle('big.txt', Buffer.from(text), text));
  return { ms: performance.now() - started, sentences: sentences.length };
}

const MB = 1024 * 1024;
const repeatTo = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

/**
 * Files a corpus may hold by mistake (up to the 10 MB cap): each used to cost time quadratic
 * in the length of a line or of the file. Linear code segments a megabyte in tens of
 * milliseconds; the bounds are generous for a loaded machine yet far below what a quadratic
 * pass takes (minutes for a megabyte).
 */
describe('segmenting pathological files costs linear time', () => {
  it.each([
    ['one line of periods', (bytes: number) => `Start. ${repeatTo('.', bytes)} End.`],
    ['one line of dotted letters', (bytes: number) => `Start. ${repeatTo('A.', bytes)} End.`],
    ['one line of question and exclamation marks', (bytes: number) => `Start. ${repeatTo('?!', bytes)}x End.`],
    ['a Markdown heading of hashes and spaces', (bytes: number) => `# ${repeatTo('# ', bytes)}x\n\nText.`],
  ])('%s', (_, make) => {
    const { ms } = segmentMs(make(2 * MB));
    expect(ms).toBeLessThan(5_000);
  });

  it('a file of many tiny lines: twice the size takes about twice the time', () => {
    const words = ['Market', 'River', 'Policy', 'Summit', 'Copper'];
    const lines = (count: number) => Array.from({ length: count }, (_, i) => `${words[i % words.length]} report ${i}.`).join('\n');
    segmentMs(lines(20_000)); // warm up the JIT
    const best = (count: number) => {
      const runs = [segmentMs(lines(count)), segmentMs(lines(count)), segmentMs(lines(count))];
      expect(runs[0]!.sentences).toBe(count);
      return Math.min(...runs.map((run) => run.ms));
    };
    const single = best(100_000);
    const double = best(200_000);
    // Linear: ×2; quadratic: ×4. The margin absorbs timer noise and garbage collection.
    expect(double / single).toBeLessThan(3);
  }, 30_000); // nine segmentations of up to 200,000 lines: seconds on a busy 2-core machine
});
