import { beforeAll, describe, expect, it } from 'vitest';
import { splitSentences, type Span } from '../../../src/core/text/sentences.js';
import { readArticle } from '../../helpers/core.js';

const texts = (text: string, spans: Span[] = splitSentences(text)) => spans.map((span) => text.slice(span.start, span.end));

/** Every span is non-empty, trimmed, in order, and does not overlap the next. */
function expectWellFormed(text: string, spans: Span[]): void {
  let previousEnd = 0;
  for (const span of spans) {
    const sentence = text.slice(span.start, span.end);
    expect(sentence.length).toBeGreaterThan(0);
    expect(sentence).toBe(sentence.trim());
    expect(span.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = span.end;
  }
}

describe('splitSentences on the article', () => {
  let article: string;
  let paragraphs: string[];
  beforeAll(async () => {
    article = await readArticle();
    paragraphs = article.split('\n').filter((line) => line.trim() !== '');
  });

  it('keeps “…and U.S. Secretary of State Marco Rubio, where…” in one sentence', () => {
    const second = paragraphs[1]!;
    expect(second.startsWith('U.S. officials scrapped the meeting')).toBe(true);
    expect(texts(second)).toEqual([
      'U.S. officials scrapped the meeting after a tense phone call between Russian Foreign Minister Sergei Lavrov and U.S. Secretary of State Marco Rubio, where Moscow reiterated that it would only agree to a ceasefire if Ukraine met sweeping territorial and political concessions.',
      'The White House and Kremlin have not publicly commented on the cancellation.',
    ]);
  });

  it('keeps a closing quote “…first.” with its sentence', () => {
    const paragraph = paragraphs.find((line) => line.includes('will not withdraw troops first'))!;
    const sentences = texts(paragraph);
    expect(sentences).toHaveLength(1);
    expect(sentences[0]!.endsWith('“will not withdraw troops first.”')).toBe(true);
  });

  it('ends a sentence after a closing quote, but not after a quoted clause ending with a comma', () => {
    const paragraph = paragraphs.find((line) => line.startsWith('After Rubio told Trump'))!;
    expect(texts(paragraph)).toEqual([
      'After Rubio told Trump that Moscow showed “no willingness to negotiate,” the president pulled the plug on the summit, calling it a potential “wasted meeting.”',
      'Trump has publicly pushed for a ceasefire along current battle lines, but Russia has refused, insisting on full control of Donbas and other concessions.',
    ]);
  });

  it('splits the whole article into trimmed sentences that never cross a line break', () => {
    const spans = splitSentences(article);
    expectWellFormed(article, spans);
    for (const sentence of texts(article, spans)) expect(sentence).not.toContain('\n');
    expect(texts(article, spans)).toContain('These demands include:');
    expect(texts(article, spans)).toContain('(With Reuters Inputs)');
  });
});

describe('splitSentences', () => {
  it('does not end a sentence at an abbreviation: "Mr. Smith went. He left." → 2', () => {
    expect(texts('Mr. Smith went. He left.')).toEqual(['Mr. Smith went.', 'He left.']);
  });

  it('knows titles, dotted acronyms and initials', () => {
    expect(texts('Dr. Jones met Gen. Lee at 5 p.m. Tuesday. They spoke.')).toEqual(['Dr. Jones met Gen. Lee at 5 p.m. Tuesday.', 'They spoke.']);
    expect(texts('The report by J. R. Smith was clear. Nobody read it.')).toEqual(['The report by J. R. Smith was clear.', 'Nobody read it.']);
    expect(texts('Officials from the U.S. and the U.K. met. Talks failed.')).toEqual(['Officials from the U.S. and the U.K. met.', 'Talks failed.']);
  });

  it('ends sentences at ! and ?, runs of them, and before digits and opening quotes', () => {
    expect(texts('Is it over?! Yes. 24 hours later it was. "Really," she said.')).toEqual([
      'Is it over?!',
      'Yes.',
      '24 hours later it was.',
      '"Really," she said.',
    ]);
  });

  it('does not end a sentence before a lower-case word or inside a number', () => {
    expect(texts('Prices rose 2.5 percent. the rest fell.')).toEqual(['Prices rose 2.5 percent. the rest fell.']);
  });

  it('keeps closing quotes and brackets with the sentence they close', () => {
    expect(texts('He said “we will win.” Then he left.')).toEqual(['He said “we will win.”', 'Then he left.']);
    expect(texts('It rained (all day.) Nobody came.')).toEqual(['It rained (all day.)', 'Nobody came.']);
  });

  it('always ends a sentence at a line break', () => {
    expect(texts('A heading without a period\nThe first line of prose, which goes on\nand on.')).toEqual([
      'A heading without a period',
      'The first line of prose, which goes on',
      'and on.',
    ]);
    expect(texts('Mr.\nSmith')).toEqual(['Mr.', 'Smith']);
  });

  it('gives offsets whose slice is the trimmed sentence', () => {
    const text = '   First one.   Second one!  \n\n\t Third, with “quotes.”  \r\n  Fourth ';
    const spans = splitSentences(text);
    expectWellFormed(text, spans);
    expect(texts(text, spans)).toEqual(['First one.', 'Second one!', 'Third, with “quotes.”', 'Fourth']);
  });

  it('splits only the requested range, with offsets into the whole text', () => {
    const text = 'Before. Inside one. Inside two. After.';
    const start = text.indexOf('Inside');
    const end = text.indexOf(' After');
    const spans = splitSentences(text, start, end - start);
    expect(texts(text, spans)).toEqual(['Inside one.', 'Inside two.']);
    expect(spans[0]!.start).toBe(start);
  });

  it('returns nothing for blank text', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\n \t ')).toEqual([]);
  });
});
