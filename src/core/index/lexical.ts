import MiniSearch from 'minisearch';
import { termOf, tokenize } from '../text/tokens.js';

/** The terms of a text, every occurrence, in order: what BM25 counts. */
function termOccurrences(text: string): string[] {
  return tokenize(text).flatMap((token) => termOf(token.text) ?? []);
}

/**
 * Chunks are handed to MiniSearch already reduced to their terms (space-separated), so each
 * text is tokenized and stemmed once, for BM25 and document frequencies alike.
 */
const MINISEARCH_OPTIONS = {
  fields: ['text'],
  idField: 'id',
  tokenize: (terms: string) => terms.split(' '),
  processTerm: (term: string) => term || null,
};

interface SavedLexicalIndex {
  search: unknown;
  documentFrequency: [string, number][];
  size: number;
}

/**
 * BM25 over chunks (MiniSearch), plus how many chunks hold each term: the corpus's
 * vocabulary, used to weigh a question's terms and to tell which of them the corpus knows.
 * Terms are stemmed content words ({@link termOf}).
 */
export class LexicalIndex {
  private constructor(
    private readonly search: MiniSearch<{ id: number; text: string }>,
    private readonly documentFrequency: Map<string, number>,
    private chunkCount: number,
  ) {}

  /** Number of chunks. */
  get size(): number {
    return this.chunkCount;
  }

  /** Indexes `texts`; the i-th text is chunk label i. */
  static build(texts: string[]): LexicalIndex {
    const index = new LexicalIndex(new MiniSearch<{ id: number; text: string }>(MINISEARCH_OPTIONS), new Map(), 0);
    index.add(texts.map((text, label) => ({ label, text })));
    return index;
  }

  /** Adds chunks under their labels. */
  add(chunks: { label: number; text: string }[]): void {
    for (const { label, text } of chunks) {
      const terms = termOccurrences(text);
      for (const term of new Set(terms)) this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
      this.search.add({ id: label, text: terms.join(' ') });
    }
    this.chunkCount += chunks.length;
  }

  /** Removes chunks; `text` must be what they were added with, to keep term counts right. */
  remove(chunks: { label: number; text: string }[]): void {
    for (const { label, text } of chunks) {
      for (const term of new Set(termOccurrences(text))) {
        const count = (this.documentFrequency.get(term) ?? 1) - 1;
        if (count > 0) this.documentFrequency.set(term, count);
        else this.documentFrequency.delete(term);
      }
      this.search.discard(label);
    }
    this.chunkCount -= chunks.length;
  }

  /** An independent copy, to update while this one keeps serving. */
  clone(): LexicalIndex {
    return LexicalIndex.fromJSON(this.toJSON());
  }

  static fromJSON(json: string): LexicalIndex {
    const saved = JSON.parse(json) as SavedLexicalIndex;
    const search = MiniSearch.loadJS<{ id: number; text: string }>(saved.search as never, MINISEARCH_OPTIONS);
    return new LexicalIndex(search, new Map(saved.documentFrequency), saved.size);
  }

  /**
   * Like {@link fromJSON}, rebuilding the search index in slices that leave the event loop
   * free: a bot loads a new index while it serves, and this is the longest part of a load.
   */
  static async fromJSONAsync(json: string): Promise<LexicalIndex> {
    const saved = JSON.parse(json) as SavedLexicalIndex;
    const search = await MiniSearch.loadJSAsync<{ id: number; text: string }>(saved.search as never, MINISEARCH_OPTIONS);
    return new LexicalIndex(search, new Map(saved.documentFrequency), saved.size);
  }

  toJSON(): string {
    const saved: SavedLexicalIndex = { search: this.search.toJSON(), documentFrequency: [...this.documentFrequency], size: this.size };
    return JSON.stringify(saved);
  }

  /** Chunks ranked by BM25 for the query (OR of its terms); score: higher is better. */
  searchLabels(query: string, k: number): { label: number; score: number }[] {
    return this.searchTerms(termOccurrences(query), k);
  }

  /** Chunks ranked by BM25 for already-processed terms ({@link termOf} forms, as {@link resolve} gives). */
  searchTerms(terms: string[], k: number): { label: number; score: number }[] {
    if (terms.length === 0) return [];
    return this.search
      .search(terms.join(' '), { combineWith: 'OR' })
      .slice(0, k)
      .map((result) => ({ label: Number(result.id), score: result.score }));
  }

  /** Whether any chunk holds the term. */
  has(term: string): boolean {
    return this.documentFrequency.has(term);
  }

  /** Inverse document frequency, ln(1 + N / df): rare terms weigh more; unknown terms weigh most. */
  idf(term: string): number {
    return Math.log(1 + this.size / (this.documentFrequency.get(term) ?? 0.5));
  }
}
