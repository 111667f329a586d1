import type { CorpusIndex } from '../index/corpus-index.js';
import type { Citation } from './types.js';

/**
 * Whether a citation quotes its document exactly: the quote is non-empty, is the text at
 * its offsets, and so is a substring of the document body the index holds.
 */
export function isVerbatim(index: CorpusIndex, citation: Citation): boolean {
  const segmented = index.documentBySource(citation.source);
  if (!segmented || citation.quote.trim() === '') return false;
  return segmented.document.body.slice(citation.start, citation.end) === citation.quote;
}

/** Keeps only the citations that quote their document exactly, numbered again from 1. */
export function keepVerbatim(index: CorpusIndex, citations: Citation[]): Citation[] {
  return citations.filter((citation) => isVerbatim(index, citation)).map((citation, i) => ({ ...citation, n: i + 1 }));
}
