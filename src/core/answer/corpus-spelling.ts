import type { SentenceLexicon } from '../index/sentence-lexicon.js';
import type { SegmentedDocument } from '../index/segment.js';
import { yieldToEventLoop } from '../event-loop.js';
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

/** Longest acronym whose expansions are indexed; a longer upper-case form (German "ß" becomes "SS") is searched for in every text. */
const MAX_INDEXED_LETTERS = 5;
/** Texts (authors, titles, bodies) indexed between two yields of {@link AcronymExpansions.build}: a few milliseconds of work. */
const TEXTS_PER_SLICE = 64;
/** A document's texts: its author, title and body. */
const TEXTS_PER_DOCUMENT = 3;
/** A capitalised word ending at white space before another capitalised word: where an expansion of two or more words can start. */
const FIRST_WORD = /\p{Lu}\p{L}*\.?\s+(?=\p{Lu})/gu;
const CAPITAL = /\p{Lu}/gu;
const NEXT_WORD = /\S+/y;
const SPACE = /\s+/y;
/** A word that an expansion can go on after: letters, at most one dot, then white space. */
const WHOLE_WORD = /^\p{L}+\.?$/u;

/**
 * Where each acronym may be spelt out in a corpus: for every run of two to five capitalised
 * words, the texts holding it (each document's author, title, body, in that order), by the
 * run's initials. An acronym's expansion is the first match of its pattern in those texts,
 * read once per index instead of a regular expression over every body per question.
 *
 * The runs are a superset of the pattern's matches (it may also start inside a word, after
 * an accented letter), so testing the pattern on the texts listed, in order, finds exactly
 * what testing it on every text finds.
 */
export class AcronymExpansions {
  private readonly textsByInitials = new Map<string, number[]>();

  private constructor(private readonly documents: readonly SegmentedDocument[]) {}

  /** How many texts there are: each document's author, title and body, in that order (where the pattern was tested before). */
  private get textCount(): number {
    return this.documents.length * TEXTS_PER_DOCUMENT;
  }

  /** Text `id`, taken from its document only now: a loaded index reads a body from its file on first use. */
  private text(id: number): string {
    const { document } = this.documents[Math.floor(id / TEXTS_PER_DOCUMENT)]!;
    const part = id % TEXTS_PER_DOCUMENT;
    return part === 0 ? (document.author ?? '') : part === 1 ? document.title : document.body;
  }

  /** The expansions of `documents`, made in one block (tests, a first question). */
  static of(documents: readonly SegmentedDocument[]): AcronymExpansions {
    const expansions = new AcronymExpansions(documents);
    for (const _ of expansions.fill());
    return expansions;
  }

  /**
   * The same expansions, made in slices with the event loop free between them: reading every
   * body takes over half a second at ten times the State of the Union, which a serving bot
   * must not spend in one block.
   */
  static async build(documents: readonly SegmentedDocument[]): Promise<AcronymExpansions> {
    const expansions = new AcronymExpansions(documents);
    let done = 0;
    for (const _ of expansions.fill()) {
      if (++done % TEXTS_PER_SLICE === 0) await yieldToEventLoop();
    }
    return expansions;
  }

  /** Indexes every text; yields after each, so that callers can pause. */
  private *fill(): Generator<void> {
    for (let id = 0; id < this.textCount; id++) {
      this.indexRuns(this.text(id), id);
      yield;
    }
  }

  /** The corpus's term for an acronym spelt out in it ("FDR" or "fdr" → "Franklin D. Roosevelt" → roosevelt). */
  termOf(written: string): string | undefined {
    if (!/^\p{L}{2,5}$/u.test(written)) return undefined;
    const letters = Array.from(written.toUpperCase());
    const pattern = new RegExp(`\\b${letters.map((letter) => `${letter}[\\p{L}]*\\.?`).join('\\s+')}(?![\\p{L}])`, 'u');
    const indexed = letters.length >= 2 && letters.length <= MAX_INDEXED_LETTERS && letters.every((letter) => /^\p{Lu}$/u.test(letter));
    const candidates = indexed ? (this.textsByInitials.get(letters.join('')) ?? []) : Array.from({ length: this.textCount }, (_, id) => id);
    for (const id of candidates) {
      const found = pattern.exec(this.text(id));
      if (found) return termOf(found[0].split(/\s+/).pop()!);
    }
    return undefined;
  }

  private indexRuns(text: string, id: number): void {
    for (const first of text.matchAll(FIRST_WORD)) {
      // Any capital of the first word's last run of letters may start the expansion ("McDonald": M or D).
      let initials = [...new Set(first[0].match(CAPITAL))];
      let at = first.index + first[0].length;
      for (let words = 2; words <= MAX_INDEXED_LETTERS; words++) {
        NEXT_WORD.lastIndex = at;
        const word = NEXT_WORD.exec(text)?.[0];
        const letter = word === undefined ? undefined : String.fromCodePoint(word.codePointAt(0)!);
        if (letter === undefined || !/^\p{Lu}$/u.test(letter)) break;
        initials = initials.map((start) => start + letter);
        for (const key of initials) this.addText(key, id);
        SPACE.lastIndex = NEXT_WORD.lastIndex;
        if (!WHOLE_WORD.test(word!) || SPACE.exec(text) === null) break;
        at = SPACE.lastIndex;
      }
    }
  }

  private addText(initials: string, id: number): void {
    const texts = this.textsByInitials.get(initials);
    if (texts === undefined) this.textsByInitials.set(initials, [id]);
    else if (texts[texts.length - 1] !== id) texts.push(id);
  }
}

/**
 * What matching a question's words to the corpus's reads beyond its lexicon, made on first
 * use (or by {@link CorpusSpelling.prepare}) and kept with the index: one-edit neighbours of
 * its written words, acronym expansions.
 */
export class CorpusSpelling {
  private neighbours: OneEditNeighbours | undefined;
  private acronyms: AcronymExpansions | undefined;

  constructor(
    readonly lexicon: SentenceLexicon,
    private readonly documents: readonly SegmentedDocument[],
  ) {}

  /** Positions in {@link SentenceLexicon.writtenWords} of the words one edit from `word` with its first letter, ascending. */
  oneEditFrom(word: string): number[] {
    this.neighbours ??= new OneEditNeighbours(this.lexicon.writtenWords);
    return this.neighbours.of(word);
  }

  /** Makes now, in slices, the acronym expansions the first question with an unknown short word would make in one block. */
  async prepare(): Promise<void> {
    this.acronyms ??= await AcronymExpansions.build(this.documents);
  }

  /** {@link AcronymExpansions.termOf} for this corpus. */
  acronymTerm(written: string): string | undefined {
    this.acronyms ??= AcronymExpansions.of(this.documents);
    return this.acronyms.termOf(written);
  }
}
