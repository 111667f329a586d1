import type { CorpusIndex, SentenceRef } from '../index/corpus-index.js';
import { termsOf } from '../text/tokens.js';
import type { RetrievedChunk } from './retrieve.js';

/** A candidate sentence and why it scored; every score is in [0, 1], higher is better. */
export interface ScoredSentence extends SentenceRef {
  /** Share of the question's term weight (IDF) the sentence holds, itself or through its context. */
  lexical: number;
  /** Cosine similarity of the sentence's and the question's embeddings (negatives count as 0). */
  dense: number;
  /** Fused score of the best retrieved chunk holding the sentence, relative to the top chunk. */
  chunk: number;
  score: number;
  /** The terms the sentence is matched by (its own and its context's) with their weights. */
  terms: ReadonlyMap<string, number>;
}

export interface EvidenceOptions {
  weights: { lexical: number; dense: number; chunk: number };
  /** Weight of a term found only in the sentence's section heading. */
  headingWeight: number;
  /** Weight of a term found only in the lead-in of the list the sentence belongs to. */
  leadInWeight: number;
  /**
   * Weight of a term found only in the sentence before, in the same section: a quote's
   * speaker or subject is often named there ("Zelenskyy … pointed to a pattern." → "“…,” he said.").
   */
  previousWeight: number;
}

export const DEFAULT_EVIDENCE: EvidenceOptions = {
  weights: { lexical: 0.55, dense: 0.35, chunk: 0.1 },
  headingWeight: 0.5,
  leadInWeight: 0.8,
  previousWeight: 0.4,
};

type TermWeights = Map<string, number>;

/** The terms a sentence is matched by: its own at full weight, its context's at less. */
function sentenceTerms(index: CorpusIndex, ref: SentenceRef, options: EvidenceOptions): TermWeights {
  const { body } = index.documents[ref.doc]!.document;
  const sentence = index.sentence(ref);
  const weights: TermWeights = new Map();
  const add = (text: string, weight: number) => {
    for (const term of termsOf(text)) weights.set(term, Math.max(weights.get(term) ?? 0, weight));
  };
  add(body.slice(sentence.start, sentence.end), 1);
  if (sentence.section !== undefined) add(sentence.section, options.headingWeight);
  if (sentence.leadIn !== undefined) {
    const leadIn = index.sentence({ doc: ref.doc, sentence: sentence.leadIn });
    add(body.slice(leadIn.start, leadIn.end), options.leadInWeight);
  }
  const previous = ref.sentence > 0 ? index.sentence({ doc: ref.doc, sentence: ref.sentence - 1 }) : undefined;
  if (previous !== undefined && previous.section === sentence.section) add(body.slice(previous.start, previous.end), options.previousWeight);
  return weights;
}

function cosine(query: number[], sentence: Float32Array): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < query.length; d++) {
    dot += query[d]! * sentence[d]!;
    norm += query[d]! * query[d]!;
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

/**
 * Whether a sentence is about everything the question names: each key term (name, acronym,
 * number) is in the sentence, its context, or its document's title. A sentence about
 * someone else answers a different question, however similar its words.
 */
export function namesAllKeyTerms(index: CorpusIndex, sentence: ScoredSentence, keyTerms: string[]): boolean {
  if (keyTerms.every((term) => sentence.terms.has(term))) return true;
  const title = new Set(termsOf(index.documents[sentence.doc]!.document.title));
  return keyTerms.every((term) => sentence.terms.has(term) || title.has(term));
}

/**
 * Scores every sentence of the retrieved chunks against the question: lexical coverage of
 * its terms weighted by IDF, embedding similarity, and the rank of the chunk it came from.
 * Returns them best first.
 */
export function scoreSentences(
  index: CorpusIndex,
  chunks: RetrievedChunk[],
  terms: string[],
  queryVector: number[],
  options: EvidenceOptions = DEFAULT_EVIDENCE,
): ScoredSentence[] {
  const known = terms.filter((term) => index.lexical.has(term));
  const idf = new Map(known.map((term) => [term, index.lexical.idf(term)]));
  const totalWeight = [...idf.values()].reduce((sum, weight) => sum + weight, 0);
  const topChunk = chunks[0]?.score ?? 1;
  const scored = new Map<string, ScoredSentence>();
  for (const retrieved of chunks) {
    const { chunk } = index.chunk(retrieved.label);
    const doc = index.chunkRefs[retrieved.label]!.doc;
    const chunkScore = retrieved.score / topChunk;
    for (let sentence = chunk.firstSentence; sentence <= chunk.lastSentence; sentence++) {
      const key = `${doc}:${sentence}`;
      const existing = scored.get(key);
      if (existing) {
        existing.chunk = Math.max(existing.chunk, chunkScore);
        continue;
      }
      const ref = { doc, sentence };
      const weights = sentenceTerms(index, ref, options);
      let matched = 0;
      for (const [term, weight] of idf) matched += weight * (weights.get(term) ?? 0);
      scored.set(key, {
        ...ref,
        lexical: totalWeight > 0 ? matched / totalWeight : 0,
        dense: Math.max(0, cosine(queryVector, index.sentenceVector(ref))),
        chunk: chunkScore,
        score: 0,
        terms: weights,
      });
    }
  }
  const { weights } = options;
  const sentences = [...scored.values()];
  for (const sentence of sentences) {
    sentence.score = weights.lexical * sentence.lexical + weights.dense * sentence.dense + weights.chunk * sentence.chunk;
  }
  return sentences.sort((a, b) => b.score - a.score);
}
