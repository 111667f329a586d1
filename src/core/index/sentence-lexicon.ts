import { normalizeWord, termOf, tokenize } from '../text/tokens.js';
import { yieldToEventLoop } from '../event-loop.js';
import type { SegmentedDocument } from './segment.js';

/** Sentences added between two yields of {@link SentenceLexicon.build}: a few milliseconds of work. */
const SENTENCES_PER_SLICE = 500;

/** A content word as written (lower case, no dots) and its lexical term ({@link termOf}). */
export interface LexiconWord {
  word: string;
  term: string;
}

/**
 * The content words of a text. A hyphenated word also counts as its parts, so that
 * "Trump-Putin" meets "Putin" and "35-hour" meets "35".
 */
export function contentWords(text: string): LexiconWord[] {
  const words: LexiconWord[] = [];
  for (const token of tokenize(text)) {
    const term = termOf(token.text);
    if (term !== undefined) words.push({ word: normalizeWord(token.text), term });
    if (!token.text.includes('-')) continue;
    for (const part of token.text.split('-')) {
      const partTerm = termOf(part);
      if (partTerm !== undefined) words.push({ word: normalizeWord(part), term: partTerm });
    }
  }
  return words;
}

/**
 * Sentence-level vocabulary of a corpus: each sentence's content words, which sentences hold
 * each term, and how often each written word occurs. Evidence is scored per sentence, so its
 * term weights (IDF) are counted over sentences; the corpus's spellings correct a question's
 * typos. A document's title, author and publisher count as words of the corpus too (never as
 * quotable sentences): a question may name the speaker or the paper.
 */
export class SentenceLexicon {
  /** Content words of each sentence, by global sentence number. */
  readonly words: LexiconWord[][] = [];
  /** Global sentence number → document and sentence within it. */
  readonly refs: { doc: number; sentence: number }[] = [];
  /** Content words of each document's title, author and publisher. */
  readonly documentWords: LexiconWord[][] = [];
  private readonly postings = new Map<string, number[]>();
  private readonly metadataTerms = new Set<string>();
  /** Written form → occurrences in the corpus. */
  readonly wordCounts = new Map<string, number>();
  /** Written form → [occurrences not opening a sentence, those of them capitalised]. */
  private readonly capitals = new Map<string, [number, number]>();

  constructor(documents: SegmentedDocument[]) {
    for (const _ of this.fill(documents));
  }

  /**
   * The same lexicon, made in slices with the event loop free between them: a bot makes it for
   * a new index while it serves (a large corpus takes a second or more).
   */
  static async build(documents: SegmentedDocument[]): Promise<SentenceLexicon> {
    const lexicon = new SentenceLexicon([]);
    let done = 0;
    for (const _ of lexicon.fill(documents)) {
      if (++done % SENTENCES_PER_SLICE === 0) await yieldToEventLoop();
    }
    return lexicon;
  }

  /** Adds the documents' words; yields after each sentence, so that callers can pause. */
  private *fill(documents: SegmentedDocument[]): Generator<void> {
    for (const [doc, { document, sentences }] of documents.entries()) {
      const metadata = contentWords([document.title, document.author ?? '', document.publisher ?? ''].join('\n'));
      this.documentWords.push(metadata);
      for (const { word, term } of metadata) {
        this.metadataTerms.add(term);
        this.wordCounts.set(word, (this.wordCounts.get(word) ?? 0) + 1);
      }
      for (const [sentence, span] of sentences.entries()) {
        const id = this.words.length;
        const text = document.body.slice(span.start, span.end);
        const words = contentWords(text);
        this.countCapitals(text);
        this.words.push(words);
        this.refs.push({ doc, sentence });
        for (const { word, term } of words) {
          this.wordCounts.set(word, (this.wordCounts.get(word) ?? 0) + 1);
          const list = this.postings.get(term);
          if (!list) this.postings.set(term, [id]);
          else if (list[list.length - 1] !== id) list.push(id);
        }
        yield;
      }
    }
  }

  private countCapitals(text: string): void {
    tokenize(text).forEach((token, position) => {
      if (position === 0) return;
      const word = normalizeWord(token.text);
      const counts = this.capitals.get(word) ?? [0, 0];
      counts[0]++;
      if (/^\p{Lu}/u.test(token.text)) counts[1]++;
      this.capitals.set(word, counts);
    });
  }

  /**
   * Whether the corpus writes a word as a name: capitalised in at least 80 % of its
   * occurrences inside sentences ("lincoln", typed in lower case, is still Lincoln).
   */
  isName(word: string): boolean {
    const [occurrences, capitalised] = this.capitals.get(word) ?? [0, 0];
    return occurrences > 0 && capitalised >= 0.8 * occurrences;
  }

  /** Number of sentences. */
  get size(): number {
    return this.words.length;
  }

  /** Sentences holding a term, by global number, ascending. */
  sentencesWith(term: string): readonly number[] {
    return this.postings.get(term) ?? [];
  }

  /** Whether the corpus uses the term, in a sentence or in a document's metadata. */
  has(term: string): boolean {
    return this.postings.has(term) || this.metadataTerms.has(term);
  }

  /** Inverse sentence frequency ln(1 + N / df); a term no sentence holds gets df = 0.5. */
  idf(term: string): number {
    return Math.log(1 + this.size / (this.postings.get(term)?.length ?? 0.5));
  }
}
