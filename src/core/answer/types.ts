import type { Confidence } from './confidence.js';
import type { QuoteReference } from '../index/reference.js';

/** One quoted sentence and where it comes from. `quote === body.slice(start, end)` of its document. */
export interface Citation {
  /** The `[n]` marker in the answer, from 1. */
  n: number;
  /** Path of the document relative to the corpus directory. */
  source: string;
  title: string;
  date?: string;
  section?: string;
  /** The publisher, from the article's front matter `source`. */
  publisher?: string;
  url?: string;
  quote: string;
  start: number;
  end: number;
  /** Evidence score in [0, 1]: higher is better. */
  score: number;
  /** Where the quote is, stably (its document's hash and the sentence's position): what "Show passages" expands. */
  reference: QuoteReference;
}

/** A document cited for its metadata, when the question is about the articles themselves. */
export interface DocumentReference {
  n: number;
  source: string;
  title: string;
  date?: string;
  author?: string;
  publisher?: string;
  url?: string;
}

/**
 * What the core answers to a question: verbatim quotes with citations (or, for a question
 * about the articles themselves, the documents it is about), or an abstention.
 */
export interface Answer {
  question: string;
  abstained: boolean;
  /**
   * For an answer (never for an abstention): `high` when the quotes answer the question,
   * `low` when they are only the closest passages the articles have.
   */
  confidence?: Confidence;
  /** Documents answering a question about the articles themselves (their date, source, author, list). */
  documents?: DocumentReference[];
  citations: Citation[];
}

/** The sentence every front end says when the corpus does not say it (an abstained {@link Answer}). */
export const ABSTENTION = "I couldn't find that in the articles I have.";

/** What an unsure answer's quotes are introduced with: they are the closest passages, not a sure answer. */
export const TENTATIVE = "I'm not sure the articles answer this; the closest passages are:";
