import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../src/core/corpus/article.js';

const parse = (text: string) => parseArticle('a.md', Buffer.from(text), text);

describe('parseArticle', () => {
  it('finds Markdown headings in a file with Windows line endings', () => {
    const doc = parse('# My Title\r\n\r\nSome text here. More.\r\n\r\n## Section Two\r\n\r\nBody.\r\n');
    expect(doc.title).toBe('My Title');
    expect(doc.headings.map((heading) => heading.title)).toEqual(['My Title', 'Section Two']);
    for (const heading of doc.headings) expect(doc.body.slice(heading.start, heading.end)).toBe(heading.title);
  });

  it('accepts an empty front matter block', () => {
    const doc = parse('---\n---\nBody text here.');
    expect(doc.body).toBe('Body text here.');
    expect(doc.title).toBe('Body text here.');
  });
});
