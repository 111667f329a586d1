import type { Span } from '../text/sentences.js';

/** A heading line and the text it governs, as offsets into the document body. */
export interface Section extends Span {
  /** The heading text, `body.slice(start, end)` without Markdown `#` marks. */
  title: string;
}

/** One article of the corpus, ready to be segmented and indexed. */
export interface CorpusDocument {
  /** Path relative to the corpus directory, with `/` separators: the document's identity. */
  source: string;
  title: string;
  /** `YYYY-MM-DD`, from front matter or the article's date marker. */
  date?: string;
  url?: string;
  author?: string;
  /** The publisher, from the front matter's `source`. */
  publisher?: string;
  /** The article text that every offset refers to (front matter and date marker removed). */
  body: string;
  /** SHA-256 of the file's bytes: unchanged files are not embedded again. */
  hash: string;
  /** Heading lines, in order. */
  headings: Section[];
}

/** A file of the corpus directory that was not indexed, and why. */
export interface SkippedFile {
  source: string;
  reason: string;
}
