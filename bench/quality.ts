/** Answer quality figures of `npm run bench`: the story's dev questions, and known-item search at scale. */
import { MAX_QUESTION_LENGTH } from '../src/core/answer/question.js';
import { summarizeQuality, type EvalQuestion, type QualitySummary, type RankedOutcome } from '../src/core/eval.js';
import type { CorpusIndex } from '../src/core/index/corpus-index.js';
import { termOf, termsOf, tokenize } from '../src/core/text/tokens.js';
import type { QuoteSystem } from './baselines.js';
import { seededRandom, shuffled, summarize, type LatencySummary } from './stats.js';

export interface StoryQuality extends QualitySummary {
  system: string;
}

/** Scores a system on questions with evidence strings, as `npm run eval` does. */
export async function storyQuality(system: QuoteSystem, questions: EvalQuestion[]): Promise<StoryQuality> {
  const outcomes: RankedOutcome[] = [];
  for (const question of questions) {
    const started = performance.now();
    const ranked = await system.search(question.question, 3);
    const milliseconds = performance.now() - started;
    const answerChars = ranked.slice(0, system.answerSize).reduce((sum, quote) => sum + quote.text.length, 0);
    outcomes.push({ question, passages: ranked.map((quote) => quote.text), answerChars, milliseconds });
  }
  return { system: system.name, ...summarizeQuality(outcomes) };
}

/** A sentence of the corpus to find again from its content words. */
export interface KnownItem {
  source: string;
  start: number;
  end: number;
  query: string;
}

/** Fewest distinct content terms a sampled sentence has: shorter ones are not one item. */
export const KNOWN_ITEM_MIN_TERMS = 5;

/**
 * Samples sentences (seeded, so every run asks the same) whose text occurs once in the corpus
 * and has at least {@link KNOWN_ITEM_MIN_TERMS} content terms; the query is the sentence's
 * content words as written (stop words dropped, not stemmed), each once, cut to the
 * longest question accepted.
 */
export function sampleKnownItems(index: CorpusIndex, count: number, seed = 42): KnownItem[] {
  const occurrences = new Map<string, number>();
  const sentences = index.documents.flatMap(({ document, sentences: spans }) =>
    spans.map((span) => {
      const text = document.body.slice(span.start, span.end);
      occurrences.set(text, (occurrences.get(text) ?? 0) + 1);
      return { source: document.source, start: span.start, end: span.end, text };
    }),
  );
  const items: KnownItem[] = [];
  for (const sentence of shuffled(sentences, seededRandom(seed))) {
    if (items.length >= count) break;
    if (occurrences.get(sentence.text) !== 1 || termsOf(sentence.text).length < KNOWN_ITEM_MIN_TERMS) continue;
    const seen = new Set<string>();
    let query = '';
    for (const token of tokenize(sentence.text)) {
      const key = token.text.toLowerCase();
      if (termOf(token.text) === undefined || seen.has(key)) continue;
      if (query.length + token.text.length + 1 > MAX_QUESTION_LENGTH) break;
      seen.add(key);
      query = query ? `${query} ${token.text}` : token.text;
    }
    items.push({ source: sentence.source, start: sentence.start, end: sentence.end, query });
  }
  return items;
}

/**
 * How this project answers known-item queries: up to 5 quotes and no relative cutoff, so that
 * hit@5 counts five sentences, as it does for the peers.
 */
export const KNOWN_ITEM_ANSWER = { maxQuotes: 5, relativeCutoff: 0 } as const;

export interface KnownItemFigures {
  system: string;
  queries: number;
  hitAt1: number;
  hitAt5: number;
  /** Queries answered with nothing at all. */
  abstained: number;
  latency: LatencySummary;
}

/** Asks every known-item query; a hit is the exact sentence (document and offsets) at rank 1 / within the first 5. */
export async function knownItemSearch(system: QuoteSystem, items: KnownItem[]): Promise<KnownItemFigures> {
  let hitAt1 = 0;
  let hitAt5 = 0;
  let abstained = 0;
  const times: number[] = [];
  for (const item of items) {
    const started = performance.now();
    const ranked = await system.search(item.query, 5);
    times.push(performance.now() - started);
    if (ranked.length === 0) abstained++;
    const rank = ranked.slice(0, 5).findIndex((quote) => quote.source === item.source && quote.start === item.start && quote.end === item.end);
    if (rank === 0) hitAt1++;
    if (rank !== -1) hitAt5++;
  }
  const rate = (part: number) => (items.length === 0 ? 0 : part / items.length);
  return { system: system.name, queries: items.length, hitAt1: rate(hitAt1), hitAt5: rate(hitAt5), abstained, latency: summarize(times) };
}
