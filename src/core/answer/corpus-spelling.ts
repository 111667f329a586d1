import { type AcronymTable, documentText, MAX_INDEXED_LETTERS, textCount } from '../index/acronym-table.js';
import type { CorpusIndex } from '../index/corpus-index.js';
import type { SentenceLexicon } from '../index/sentence-lexicon.js';
import type { SegmentedDocument } from '../index/segment.js';
import { termOf } from '../text/tokens.js';

/** Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of neighbours. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * The corpus's written words grouped by first letter and length: a word's one-edit
 * neighbours differ in length by at most one, so finding those with its first letter reads
 * three small groups instead of the whole vocabulary (hundreds of thousands of words at scale).
 */
export class OneEditNeighbours {
  private readonly groups = new Map<string, number[]>();

  constructor(private readonly words: readonly string[]) {
    words.forEach((word, id) => {
      const key = groupKey(word[0], word.length);
      const group = this.groups.get(key);
      if (group === undefined) this.groups.set(key, [id]);
      else group.push(id);
    });
  }

  /** Positions in the words of those starting with `word`'s first letter and at most one edit away ({@link withinOneEdit}), ascending. */
  of(word: string): number[] {
    const ids: number[] = [];
    for (const length of [word.length - 1, word.length, word.length + 1]) {
      for (const id of this.groups.get(groupKey(word[0], length)) ?? []) if (withinOneEdit(word, this.words[id]!)) ids.push(id);
    }
    return ids.sort((a, b) => a - b);
  }
}

function groupKey(first: string | undefined, length: number): string {
  return `${first ?? ''}\u0000${length}`;
}

/**
 * Each acronym's expansion in a corpus: the first match of its pattern in the texts (each
 * document's author, title, body, in that order), tested only on the texts the
 * {@link AcronymTable} lists for its initials instead of a regular expression over every body
 * per question.
 */
export class AcronymExpansions {
  constructor(
    private readonly documents: readonly SegmentedDocument[],
    private readonly table: AcronymTable,
  ) {}

  /** The corpus's term for an acronym spelt out in it ("FDR" or "fdr" → "Franklin D. Roosevelt" → roosevelt). */
  termOf(written: string): string | undefined {
    if (!/^\p{L}{2,5}$/u.test(written)) return undefined;
    const letters = Array.from(written.toUpperCase());
    const pattern = new RegExp(`\\b${letters.map((letter) => `${letter}[\\p{L}]*\\.?`).join('\\s+')}(?![\\p{L}])`, 'u');
    const indexed = letters.length >= 2 && letters.length <= MAX_INDEXED_LETTERS && letters.every((letter) => /^\p{Lu}$/u.test(letter));
    // Read only now, a body at a time: a loaded index reads from its file just the bodies tested.
    const candidates = indexed ? this.table.textsWith(letters.join('')) : Array.from({ length: textCount(this.documents) }, (_, id) => id);
    for (const id of candidates) {
      const found = pattern.exec(documentText(this.documents, id));
      if (found) return termOf(found[0].split(/\s+/).pop()!);
    }
    return undefined;
  }
}

/**
 * What matching a question's words to the corpus's reads beyond its lexicon, made on first
 * use and kept with the index: one-edit neighbours of its written words, acronym expansions
 * (from the index's {@link CorpusIndex.acronyms}, taken on first use).
 */
export class CorpusSpelling {
  private neighbours: OneEditNeighbours | undefined;
  private acronyms: AcronymExpansions | undefined;

  constructor(private readonly index: Pick<CorpusIndex, 'lexicon' | 'documents' | 'acronyms'>) {}

  /** The corpus's sentence-level vocabulary. */
  get lexicon(): SentenceLexicon {
    return this.index.lexicon;
  }

  /** Positions in {@link SentenceLexicon.writtenWords} of the words one edit from `word` with its first letter, ascending. */
  oneEditFrom(word: string): number[] {
    this.neighbours ??= new OneEditNeighbours(this.lexicon.writtenWords);
    return this.neighbours.of(word);
  }

  /** {@link AcronymExpansions.termOf} for this corpus. */
  acronymTerm(written: string): string | undefined {
    this.acronyms ??= new AcronymExpansions(this.index.documents, this.index.acronyms);
    return this.acronyms.termOf(written);
  }
}
