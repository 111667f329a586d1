import { describe, expect, it } from 'vitest';
import { normalizeWord, termOf, termsOf, tokenize } from '../../../src/core/text/tokens.js';

describe('tokenize', () => {
  it('keeps apostrophes, hyphens and dotted acronyms inside words, with offsets', () => {
    const text = 'Russia’s long-range U.S. missiles, he said.';
    const tokens = tokenize(text);
    expect(tokens.map((token) => token.text)).toEqual(["Russia's", 'long-range', 'U.S.', 'missiles', 'he', 'said']);
    for (const token of tokens) expect(text.slice(token.start, token.end).replace(/’/g, "'")).toBe(token.text);
  });

  it('drops a sentence-final period but not an acronym’s', () => {
    expect(tokenize('He left.').map((token) => token.text)).toEqual(['He', 'left']);
    expect(tokenize('in the U.S.').map((token) => token.text)).toEqual(['in', 'the', 'U.S.']);
  });
});

describe('terms', () => {
  it('normalises case, possessives and dots', () => {
    expect(normalizeWord("Trump's")).toBe('trump');
    expect(normalizeWord('U.S.')).toBe('us');
  });

  it('drops stop words and question filler', () => {
    for (const word of ['the', 'What', 'did', 'say', 'tell', 'about']) expect(termOf(word)).toBeUndefined();
  });

  it('stems so that word forms meet', () => {
    expect(termOf('cancelled')).toBe(termOf('cancellation'));
    expect(termOf('demands')).toBe(termOf('demand'));
    expect(termOf('2025')).toBe('2025');
  });

  it('lists distinct content terms in order of appearance', () => {
    expect(termsOf('Why was the summit cancelled? The summit!')).toEqual([termOf('summit'), termOf('cancelled')]);
  });
});

describe('irregular verbs', () => {
  it('meet their base form, which stemming alone cannot reach', () => {
    expect(termOf('sent')).toBe(termOf('send'));
    expect(termOf('took')).toBe(termOf('take'));
    expect(termOf('withdrew')).toBe(termOf('withdrawing'));
    expect(termOf('sent')).not.toBe(termOf('sense'));
  });
});
