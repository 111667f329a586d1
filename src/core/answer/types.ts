/** One quoted sentence and where it comes from. `quote === body.slice(start, end)` of its document. */
export interface Citation {
  /** The `[n]` marker in the answer, from 1. */
  n: number;
  /** Path of the document relative to the corpus directory. */
  source: string;
  title: string;
  date?: string;
  section?: string;
  url?: string;
  quote: string;
  start: number;
  end: number;
  /** Evidence score in [0, 1]: higher is better. */
  score: number;
}

/** What the core answers to a question: verbatim quotes with citations, or an abstention. */
export interface Answer {
  question: string;
  abstained: boolean;
  /** The quotes in quotation marks with their `[n]` markers, one a line; or the abstention sentence. */
  answer: string;
  citations: Citation[];
}

/** The sentence the core answers with when the corpus does not say it. */
export const ABSTENTION = "I couldn't find that in the articles I have.";
