import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { splitSentences } from '../text/sentences.js';
import type { CorpusDocument, Section } from './document.js';

/** Thrown by {@link parseArticle} for a file that is not an article; the message is the reason. */
export class ArticleFormatError extends Error {
  override name = 'ArticleFormatError';
}

const DATE_MARKER = /^\s*date (\d{4}-\d{2}-\d{2})\s+/;
const FRONT_MATTER = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;
const MARKDOWN_HEADING = /^#{1,6}[ \t]+/;
const TITLE_LENGTH = 90;

interface Metadata {
  title?: string;
  date?: string;
  url?: string;
  author?: string;
  publisher?: string;
}

function asDate(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
  return undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * `yaml` is required on the first front matter, not imported up front: answering a question
 * imports this module (through the index builder) but reads no article, and loading `yaml`
 * took 60–90 ms of that cold start on the busy 2-core host.
 * A synchronous `require` keeps {@link parseArticle} synchronous (the package's Node entry is CommonJS).
 */
const requireModule = createRequire(import.meta.url);

function readFrontMatter(yaml: string): Metadata {
  let data: unknown;
  try {
    data = (requireModule('yaml') as typeof import('yaml')).parse(yaml);
  } catch (error) {
    throw new ArticleFormatError(`front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ArticleFormatError('front matter is not a YAML mapping');
  const fields = data as Record<string, unknown>;
  const metadata: Metadata = {};
  const title = asText(fields.title);
  const date = asDate(fields.date);
  const url = asText(fields.url);
  const author = asText(fields.author);
  const publisher = asText(fields.source);
  if (title !== undefined) metadata.title = title;
  if (date !== undefined) metadata.date = date;
  if (url !== undefined && /^https?:\/\//.test(url)) metadata.url = url;
  if (author !== undefined) metadata.author = author;
  if (publisher !== undefined) metadata.publisher = publisher;
  return metadata;
}

/**
 * A Markdown heading's text without its optional closing `#`s. A loop, not a regular
 * expression: `(.*?)[ \t#]*$` backtracks quadratically on a long line of `#`s and spaces.
 */
function withoutClosingHashes(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '#' || text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

/**
 * A line that stands alone as a heading: a Markdown `#` line, or a short line between
 * blank lines (or at the start) with no final punctuation, like "Trump Struggles to Influence Outcome".
 */
function headingOf(line: string, standsAlone: boolean): string | undefined {
  const markdown = MARKDOWN_HEADING.exec(line);
  if (markdown) return withoutClosingHashes(line.slice(markdown[0].length)).trim() || undefined;
  const text = line.trim();
  if (!standsAlone || text.length === 0 || text.length > 100) return undefined;
  if (/[.!?:;,"”’)\]…-]$/u.test(text) || /^[([\-*•>|]/u.test(text)) return undefined;
  const words = text.split(/\s+/);
  if (words.length > 12 || !/^\p{Lu}/u.test(text)) return undefined;
  return text;
}

function findHeadings(body: string): Section[] {
  const headings: Section[] = [];
  const lines = body.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const blankBefore = i === 0 || lines[i - 1]!.trim() === '';
    const blankAfter = i === lines.length - 1 || lines[i + 1]!.trim() === '';
    const title = headingOf(line, blankBefore && blankAfter);
    if (title !== undefined) {
      const start = offset + line.indexOf(title);
      headings.push({ title, start, end: start + title.length });
    }
    offset += lines[i]!.length + 1;
  }
  return headings;
}

function shorten(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:–—-]+$/u, '')}…`;
}

function titleOf(body: string, headings: Section[], metadata: Metadata): string {
  if (metadata.title !== undefined) return metadata.title;
  const leading = headings[0];
  const firstText = body.search(/\S/);
  const firstLineEnd = body.indexOf('\n', firstText);
  // A heading is the title only when the article opens with it; later ones name sections.
  if (leading !== undefined && (firstLineEnd === -1 || leading.start < firstLineEnd)) return leading.title;
  // Lines end sentences: the first sentence is in the first line with text (never split the whole body for it).
  const first = splitSentences(body, firstText, (firstLineEnd === -1 ? body.length : firstLineEnd) - firstText)[0];
  return first ? shorten(body.slice(first.start, first.end), TITLE_LENGTH) : 'Untitled';
}

/**
 * Parses the text of one article file: YAML front matter (`title`, `date`, `url`, `source`,
 * `author`) or a leading ` date YYYY-MM-DD ` marker, headings, and the body that offsets refer to.
 *
 * @param source - path relative to the corpus directory
 * @param bytes - the file's bytes (hashed as they are)
 * @param text - the same bytes decoded as UTF-8
 * @throws {@link ArticleFormatError} when the file holds no article text
 */
export function parseArticle(source: string, bytes: Uint8Array, text: string): CorpusDocument {
  let body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let metadata: Metadata = {};
  const frontMatter = FRONT_MATTER.exec(body);
  if (frontMatter) {
    metadata = readFrontMatter(frontMatter[1] ?? '');
    body = body.slice(frontMatter[0].length);
  }
  const marker = DATE_MARKER.exec(body);
  if (marker) {
    metadata.date ??= marker[1];
    body = body.slice(marker[0].length);
  }
  if (body.trim() === '') throw new ArticleFormatError('no article text');
  const headings = findHeadings(body);
  const document: CorpusDocument = {
    source,
    title: titleOf(body, headings, metadata),
    body,
    hash: createHash('sha256').update(bytes).digest('hex'),
    headings,
  };
  if (metadata.date !== undefined) document.date = metadata.date;
  if (metadata.url !== undefined) document.url = metadata.url;
  if (metadata.author !== undefined) document.author = metadata.author;
  if (metadata.publisher !== undefined) document.publisher = metadata.publisher;
  return document;
}
