import type { CorpusDocument } from '../corpus/document.js';
import { splitSentences, type Span } from '../text/sentences.js';

/** A quotable sentence of a document. */
export interface Sentence extends Span {
  /** The heading the sentence stands under, if any. */
  section?: string;
  /**
   * For a list item, the index (within the same document) of the sentence that introduced
   * the list ("These demands include:"): the item is matched with it, and quoted without it.
   */
  leadIn?: number;
}

/** A few consecutive sentences of one section: the unit that is embedded and searched. */
export interface Chunk extends Span {
  /** Indexes of the chunk's first and last sentence within its document (inclusive). */
  firstSentence: number;
  lastSentence: number;
  section?: string;
}

/** A document cut into sentences and chunks, every span an offset into `document.body`. */
export interface SegmentedDocument {
  document: CorpusDocument;
  sentences: Sentence[];
  chunks: Chunk[];
}

export interface ChunkingOptions {
  /** Sentences per chunk. */
  size: number;
  /** Sentences shared by consecutive chunks of a section. */
  overlap: number;
  /** A chunk is closed before it grows past this many characters (a long sentence still fits alone). */
  maxChars: number;
  /**
   * A chunk shorter than this takes sentences past `size` (within `maxChars`): a file of very
   * short lines would otherwise make a chunk, with its vector and graph node, every other line.
   */
  minChars: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { size: 3, overlap: 1, maxChars: 900, minChars: 100 };

/** List items are short; a longer line after a lead-in is prose again. */
const MAX_LIST_ITEM_WORDS = 24;

function sentencesOf(document: CorpusDocument): Sentence[] {
  const { body, headings } = document;
  const sentences: Sentence[] = [];
  let headingIndex = 0;
  let section: string | undefined;
  let leadIn: number | undefined;
  let lineStart = 0;
  while (lineStart <= body.length) {
    const newline = body.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? body.length : newline;
    const heading = headings[headingIndex];
    if (heading !== undefined && heading.start >= lineStart && heading.start < lineEnd + 1) {
      section = heading.title;
      leadIn = undefined;
      headingIndex++;
    } else {
      const spans = splitSentences(body, lineStart, lineEnd - lineStart);
      if (spans.length > 0) {
        const isItem = leadIn !== undefined && spans.length === 1 && body.slice(spans[0]!.start, spans[0]!.end).split(/\s+/).length <= MAX_LIST_ITEM_WORDS;
        if (!isItem) leadIn = undefined;
        for (const span of spans) {
          const sentence: Sentence = { ...span };
          if (section !== undefined) sentence.section = section;
          if (leadIn !== undefined) sentence.leadIn = leadIn;
          sentences.push(sentence);
        }
        const last = spans[spans.length - 1]!;
        if (body[last.end - 1] === ':') leadIn = sentences.length - 1;
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return sentences;
}

function chunksOf(sentences: Sentence[], options: ChunkingOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const step = Math.max(1, options.size - options.overlap);
  let first = 0;
  while (first < sentences.length) {
    let last = first;
    while (
      last + 1 < sentences.length &&
      (last + 1 - first < options.size || sentences[last]!.end - sentences[first]!.start < options.minChars) &&
      sentences[last + 1]!.section === sentences[first]!.section &&
      sentences[last + 1]!.end - sentences[first]!.start <= options.maxChars
    ) {
      last++;
    }
    const chunk: Chunk = { start: sentences[first]!.start, end: sentences[last]!.end, firstSentence: first, lastSentence: last };
    if (sentences[first]!.section !== undefined) chunk.section = sentences[first]!.section;
    chunks.push(chunk);
    if (last === sentences.length - 1) break;
    const sectionEnds = sentences[last + 1]!.section !== sentences[first]!.section;
    // A new section starts its own chunk: overlap only joins sentences of one section.
    // A chunk grown past `size` overlaps the next by `overlap` sentences, like any other.
    first = sectionEnds ? last + 1 : Math.min(Math.max(first + step, last + 1 - options.overlap), last + 1);
  }
  return chunks;
}

/**
 * Cuts a document into sentences (headings excluded: they name sections, they are not
 * quoted) and into chunks of a few sentences with overlap, never across a section.
 */
export function segmentDocument(document: CorpusDocument, options: ChunkingOptions = DEFAULT_CHUNKING): SegmentedDocument {
  const sentences = sentencesOf(document);
  return { document, sentences, chunks: chunksOf(sentences, options) };
}

/** The text a chunk is embedded and searched by: its section heading, then its sentences. */
export function chunkSearchText(segmented: SegmentedDocument, chunk: Chunk): string {
  const { body, title } = segmented.document;
  const text = body.slice(chunk.start, chunk.end);
  const leadIn = segmented.sentences[chunk.firstSentence]!.leadIn;
  const intro =
    leadIn !== undefined && leadIn < chunk.firstSentence ? `${body.slice(segmented.sentences[leadIn]!.start, segmented.sentences[leadIn]!.end)} ` : '';
  return `${chunk.section ?? title}\n${intro}${text}`;
}
