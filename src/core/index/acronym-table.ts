import { yieldToEventLoop } from '../event-loop.js';
import { ascending, type BinaryReader, type BinaryWriter, LazySection } from './binary.js';
import type { SegmentedDocument } from './segment.js';

/** Longest acronym whose expansions are indexed; a longer upper-case form (German "ß" becomes "SS") is searched for in every text. */
export const MAX_INDEXED_LETTERS = 5;
/** Texts (authors, titles, bodies) indexed between two yields of {@link AcronymTable.build}: a few milliseconds of work. */
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

/** How many texts `documents` have: each one's author, title and body, in that order (where an acronym's pattern is tested). */
export function textCount(documents: readonly SegmentedDocument[]): number {
  return documents.length * TEXTS_PER_DOCUMENT;
}

/** Text `id` of `documents`, taken from its document only now: a loaded index reads a body from its file on first use. */
export function documentText(documents: readonly SegmentedDocument[], id: number): string {
  const { document } = documents[Math.floor(id / TEXTS_PER_DOCUMENT)]!;
  const part = id % TEXTS_PER_DOCUMENT;
  return part === 0 ? (document.author ?? '') : part === 1 ? document.title : document.body;
}

/**
 * Where each acronym may be spelt out in a corpus: for every run of two to five capitalised words,
 * the texts holding it ({@link documentText} ids, ascending), by the run's initials. Made from the
 * texts when an index is built and saved with it (in `corpus.bin`), so that a loaded index finds an
 * acronym's candidate texts without reading every body: a load reads the sorted initials and where
 * each one's texts start; the texts of one initials are read when asked for.
 *
 * The runs are a superset of what an acronym's pattern matches (it may also start inside a word,
 * after an accented letter), so testing the pattern on the texts listed, in order, finds exactly
 * what testing it on every text finds.
 */
export class AcronymTable {
  private constructor(
    /** Every initials with texts, sorted (as strings sort in JavaScript). */
    readonly initials: readonly string[],
    /** Where each initials' texts start in {@link texts}, and where the last ones end. */
    private readonly starts: Uint32Array,
    private readonly texts: LazySection<Uint32Array>,
    /** How many texts the documents have: a listed text beyond them is damage. */
    private readonly textTotal: number,
  ) {}

  /** The table of `documents`, made in one block (tests, an index built but not saved, on its first question). */
  static of(documents: readonly SegmentedDocument[]): AcronymTable {
    const runs = new Map<string, number[]>();
    for (const _ of indexTexts(documents, runs));
    return AcronymTable.fromRuns(runs, textCount(documents));
  }

  /**
   * The same table, made in slices with the event loop free between them: reading every body takes
   * over half a second at ten times the State of the Union, which a serving bot must not spend in one block.
   */
  static async build(documents: readonly SegmentedDocument[]): Promise<AcronymTable> {
    const runs = new Map<string, number[]>();
    let done = 0;
    for (const _ of indexTexts(documents, runs)) {
      if (++done % TEXTS_PER_SLICE === 0) await yieldToEventLoop();
    }
    return AcronymTable.fromRuns(runs, textCount(documents));
  }

  private static fromRuns(runs: Map<string, number[]>, textTotal: number): AcronymTable {
    const initials = [...runs.keys()].sort();
    const starts = new Uint32Array(initials.length + 1);
    initials.forEach((key, k) => (starts[k + 1] = starts[k]! + runs.get(key)!.length));
    const texts = new Uint32Array(starts[initials.length]!);
    initials.forEach((key, k) => texts.set(runs.get(key)!, starts[k]));
    return new AcronymTable(initials, starts, LazySection.of(texts), textTotal);
  }

  /**
   * Reads the table {@link write} wrote: the initials and their starts now, checked; the texts left
   * in the file, read per initials.
   *
   * @param documents - how many documents the file holds
   * @throws Error naming what is wrong when the sections do not fit together
   */
  static read(file: BinaryReader, documents: number): AcronymTable {
    const initials = file.nextStrings();
    const starts = file.next(Uint32Array);
    const texts = file.nextLazy(Uint32Array);
    const sorted = initials.every((key, k) => k === 0 || initials[k - 1]! < key);
    if (!sorted || starts.length !== initials.length + 1 || starts[0] !== 0 || starts[initials.length] !== texts.length || !ascending(starts)) {
      throw new Error('the acronym table’s sections disagree');
    }
    return new AcronymTable(initials, starts, texts, documents * TEXTS_PER_DOCUMENT);
  }

  /** Appends the table to `file` as three sections: the initials, their starts, the texts. */
  write(file: BinaryWriter): BinaryWriter {
    return file.addStrings(this.initials).add(this.starts).add(this.texts.slice(0));
  }

  /**
   * The texts holding a run of capitalised words with these initials (upper case), ascending; none when no run has them.
   *
   * @throws {@link IndexCorruptError} (from a loaded index's file) when they are damaged
   */
  textsWith(initials: string): Uint32Array {
    let low = 0;
    let high = this.initials.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.initials[middle]! < initials) low = middle + 1;
      else high = middle;
    }
    if (this.initials[low] !== initials) return new Uint32Array(0);
    const texts = this.texts.slice(this.starts[low]!, this.starts[low + 1]);
    for (let i = 0; i < texts.length; i++) {
      if (texts[i]! >= this.textTotal || (i > 0 && texts[i]! <= texts[i - 1]!)) throw this.texts.corrupt(`the texts of acronym ${initials} disagree`);
    }
    return texts;
  }
}

/** Indexes every text of `documents` into `runs`; yields after each, so that callers can pause. */
function* indexTexts(documents: readonly SegmentedDocument[], runs: Map<string, number[]>): Generator<void> {
  const total = textCount(documents);
  for (let id = 0; id < total; id++) {
    indexRuns(documentText(documents, id), id, runs);
    yield;
  }
}

/** Adds text `id` to `runs` under the initials of each run of two to {@link MAX_INDEXED_LETTERS} capitalised words in it. */
function indexRuns(text: string, id: number, runs: Map<string, number[]>): void {
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
      for (const key of initials) {
        const texts = runs.get(key);
        if (texts === undefined) runs.set(key, [id]);
        else if (texts[texts.length - 1] !== id) texts.push(id);
      }
      SPACE.lastIndex = NEXT_WORD.lastIndex;
      if (!WHOLE_WORD.test(word!) || SPACE.exec(text) === null) break;
      at = SPACE.lastIndex;
    }
  }
}
