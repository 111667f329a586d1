import { beforeAll, describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/core/corpus/article.js';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { chunkSearchText, DEFAULT_CHUNKING, segmentDocument, type SegmentedDocument } from '../../../src/core/index/segment.js';
import { ARTICLE_SOURCE, readArticle } from '../../helpers/core.js';

function parse(text: string, source = 'test.md'): CorpusDocument {
  return parseArticle(source, Buffer.from(text), text);
}

const sentenceText = (segmented: SegmentedDocument, index: number) => {
  const sentence = segmented.sentences[index]!;
  return segmented.document.body.slice(sentence.start, sentence.end);
};

/** The invariants every segmentation must hold, whatever the document. */
function expectConsistent(segmented: SegmentedDocument): void {
  const { body, headings } = segmented.document;
  let previousEnd = 0;
  segmented.sentences.forEach((sentence) => {
    const text = body.slice(sentence.start, sentence.end);
    expect(text.length).toBeGreaterThan(0);
    expect(text).toBe(text.trim());
    expect(text).not.toContain('\n');
    expect(sentence.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = sentence.end;
    // Headings are not sentences: no sentence overlaps a heading line.
    for (const heading of headings) expect(sentence.end <= heading.start || sentence.start >= heading.end).toBe(true);
  });
  const covered = new Set<number>();
  segmented.chunks.forEach((chunk, i) => {
    expect(chunk.firstSentence).toBeLessThanOrEqual(chunk.lastSentence);
    const first = segmented.sentences[chunk.firstSentence]!;
    const last = segmented.sentences[chunk.lastSentence]!;
    expect(chunk.start).toBe(first.start);
    expect(chunk.end).toBe(last.end);
    expect(body.slice(chunk.start, chunk.end)).toBe(body.slice(chunk.start, chunk.end).trim());
    // A chunk never crosses a section.
    for (let s = chunk.firstSentence; s <= chunk.lastSentence; s++) {
      expect(segmented.sentences[s]!.section).toBe(chunk.section);
      covered.add(s);
    }
    if (i > 0) expect(chunk.firstSentence).toBeGreaterThan(segmented.chunks[i - 1]!.firstSentence);
  });
  // Every sentence can be found through some chunk.
  expect(covered.size).toBe(segmented.sentences.length);
}

describe('segmentDocument on the article', () => {
  let segmented: SegmentedDocument;
  beforeAll(async () => {
    const text = await readArticle();
    segmented = segmentDocument(parseArticle(ARTICLE_SOURCE, Buffer.from(text), text));
  });

  it('holds every span invariant', () => {
    expectConsistent(segmented);
  });

  it('never makes a sentence of a heading', () => {
    const all = segmented.sentences.map((_, i) => sentenceText(segmented, i));
    for (const heading of segmented.document.headings) expect(all).not.toContain(heading.title);
    expect(all).toHaveLength(22);
  });

  it('gives the list items after "These demands include:" that sentence as leadIn', () => {
    const all = segmented.sentences.map((_, i) => sentenceText(segmented, i));
    const leadIn = all.indexOf('These demands include:');
    expect(leadIn).toBeGreaterThan(-1);
    const items = segmented.sentences.flatMap((sentence, i) => (sentence.leadIn !== undefined ? [[i, sentence.leadIn]] : []));
    expect(items).toEqual([
      [leadIn + 1, leadIn],
      [leadIn + 2, leadIn],
      [leadIn + 3, leadIn],
    ]);
    expect(all.slice(leadIn + 1, leadIn + 4)).toEqual([
      'Ukraine ceding more territory, including the remaining parts of the Donbas region.',
      'Sharp reductions to Ukraine’s military capabilities.',
      'A binding commitment that Ukraine will never join NATO.',
    ]);
    // The long paragraph after the list is prose again.
    expect(segmented.sentences[leadIn + 4]!.leadIn).toBeUndefined();
    expect(segmented.sentences[leadIn]!.leadIn).toBeUndefined();
  });

  it('assigns sentences to the section heading above them', () => {
    const sectionOf = (start: string) => segmented.sentences.find((_, i) => sentenceText(segmented, i).startsWith(start))?.section;
    expect(sectionOf('The planned Budapest summit')).toBeUndefined();
    expect(sectionOf('The White House and Kremlin')).toBeUndefined();
    expect(sectionOf('The meeting was scheduled')).toBe('Russia’s Hardline Demands Derail Negotiations');
    expect(sectionOf('After Rubio told Trump')).toBe('Trump Calls Meeting “Pointless” Amid Stalemate');
    expect(sectionOf('With neither Moscow nor Kyiv')).toBe('Ukraine says Russia Avoids Diplomacy When Losing Ground');
  });

  it('embeds chunks with their section heading (or the title) and a list item’s lead-in', () => {
    const intro = segmented.chunks[0]!;
    expect(intro.section).toBeUndefined();
    expect(chunkSearchText(segmented, intro).startsWith(`${segmented.document.title}\n`)).toBe(true);
    const listChunk = segmented.chunks.find((chunk) => segmented.sentences[chunk.firstSentence]!.leadIn !== undefined)!;
    const text = chunkSearchText(segmented, listChunk);
    expect(text.startsWith('Russia’s Hardline Demands Derail Negotiations\nThese demands include: ')).toBe(true);
    expect(text).toContain(segmented.document.body.slice(listChunk.start, listChunk.end));
  });
});

describe('segmentDocument chunking', () => {
  const markdown = [
    '# Title Line',
    '',
    'One. Two. Three. Four. Five.',
    '',
    '## Short Section',
    '',
    'Alone here.',
    '',
    '## Long Section',
    '',
    'Six. Seven.',
    'Eight.',
    '',
  ].join('\n');

  it('chunks consecutive sentences with overlap inside a section and restarts at each section', () => {
    // No minimum length: these toy sentences are far shorter than any in an article.
    const segmented = segmentDocument(parse(markdown), { ...DEFAULT_CHUNKING, minChars: 0 });
    expectConsistent(segmented);
    const chunkTexts = segmented.chunks.map((chunk) => segmented.document.body.slice(chunk.start, chunk.end));
    expect(chunkTexts).toEqual(['One. Two. Three.', 'Three. Four. Five.', 'Alone here.', 'Six. Seven.\nEight.']);
    expect(segmented.chunks.map((chunk) => chunk.section)).toEqual(['Title Line', 'Title Line', 'Short Section', 'Long Section']);
  });

  it('honours size, overlap and maxChars', () => {
    const segmented = segmentDocument(parse(markdown), { size: 2, overlap: 0, maxChars: 900, minChars: 0 });
    expectConsistent(segmented);
    expect(segmented.chunks.map((chunk) => chunk.lastSentence - chunk.firstSentence + 1)).toEqual([2, 2, 1, 1, 2, 1]);
    const tiny = segmentDocument(parse(markdown), { ...DEFAULT_CHUNKING, maxChars: 5 });
    expectConsistent(tiny);
    for (const chunk of tiny.chunks) expect(chunk.firstSentence).toBe(chunk.lastSentence);
  });

  it('makes chunks of at least minChars from very short lines, overlapping by one sentence, so that a file of them makes few chunks', () => {
    const text = Array.from({ length: 3000 }, (_, i) => `Line ${i + 1} ok.`).join('\n');
    const segmented = segmentDocument(parse(text, 'lines.txt'));
    expectConsistent(segmented);
    expect(segmented.sentences).toHaveLength(3000);
    // Three sentences per chunk would make 1,500 chunks: a vector and a graph node every other line.
    expect(segmented.chunks.length).toBeLessThan(3000 / 5);
    const { body } = segmented.document;
    segmented.chunks.forEach((chunk, i) => {
      const length = chunk.end - chunk.start;
      if (i < segmented.chunks.length - 1) expect(length).toBeGreaterThanOrEqual(DEFAULT_CHUNKING.minChars);
      expect(length).toBeLessThanOrEqual(DEFAULT_CHUNKING.maxChars);
      // Dropping the last sentence would leave it short: the chunk grew no further than needed.
      const lastButOne = segmented.sentences[chunk.lastSentence - 1]!;
      if (chunk.lastSentence - chunk.firstSentence + 1 > DEFAULT_CHUNKING.size) expect(lastButOne.end - chunk.start).toBeLessThan(DEFAULT_CHUNKING.minChars);
      if (i > 0) expect(chunk.firstSentence).toBe(segmented.chunks[i - 1]!.lastSentence);
    });
    expect(body.slice(segmented.chunks[0]!.start, segmented.chunks[0]!.end).split('\n')).toHaveLength(segmented.chunks[0]!.lastSentence + 1);
  });

  it('leaves chunks of ordinary sentences at three sentences', () => {
    const sentence = (i: number) => `Sentence number ${i} of this article says something long enough to stand for ordinary prose.`;
    const segmented = segmentDocument(parse(Array.from({ length: 9 }, (_, i) => sentence(i)).join(' '), 'prose.txt'));
    expect(segmented.chunks.map((chunk) => [chunk.firstSentence, chunk.lastSentence])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
    ]);
  });

  it('marks bulleted list items after a colon, and ends the list at a long line', () => {
    const text = [
      'The plan has three parts:',
      '- cut taxes,',
      '- raise spending, and',
      '- hope.',
      'This long sentence is clearly prose again because it runs on for far more than twenty four words, which no list item in a news article would ever do in practice.',
      'Neither is this.',
    ].join('\n');
    const segmented = segmentDocument(parse(text, 'list.txt'));
    expectConsistent(segmented);
    expect(segmented.sentences.map((sentence) => sentence.leadIn)).toEqual([undefined, 0, 0, 0, undefined, undefined]);
  });

  it('gives a document with headings only no sentences and no chunks', () => {
    const segmented = segmentDocument(parse('# Only A Title\n'));
    expect(segmented.sentences).toEqual([]);
    expect(segmented.chunks).toEqual([]);
  });
});
