import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArticle } from '../corpus/article.js';
import { decodeArticleBytes } from '../corpus/loader.js';
import type { Citation } from './types.js';

/**
 * Whether a citation quotes its article file exactly, as the file is on disk: the quote is
 * non-empty and is the text at its offsets in the body read from the file's bytes (the text
 * after any front matter and date line, which the offsets count from), so a substring of the
 * file. Checked against the file, never against the index that produced the citation.
 */
export function isVerbatim(fileBytes: Uint8Array, citation: Pick<Citation, 'source' | 'quote' | 'start' | 'end'>): boolean {
  if (citation.quote.trim() === '') return false;
  let text: string;
  let body: string;
  try {
    text = decodeArticleBytes(fileBytes, Infinity);
    ({ body } = parseArticle(citation.source, fileBytes, text));
  } catch {
    return false;
  }
  // The body is what is left of the text once the front matter and date line are cut off its start.
  const offset = text.length - body.length;
  return text.endsWith(body) && text.slice(offset + citation.start, offset + citation.end) === citation.quote;
}

/** {@link isVerbatim} for citations of the articles in `corpusDir`, each file read once. */
export function verbatimIn(corpusDir: string): (citation: Pick<Citation, 'source' | 'quote' | 'start' | 'end'>) => boolean {
  const files = new Map<string, Uint8Array | undefined>();
  return (citation) => {
    if (!files.has(citation.source)) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = readFileSync(path.join(corpusDir, citation.source));
      } catch {
        bytes = undefined;
      }
      files.set(citation.source, bytes);
    }
    const bytes = files.get(citation.source);
    return bytes !== undefined && isVerbatim(bytes, citation);
  };
}
