import { normalizeWord, termOf, tokenize, type Token } from '../text/tokens.js';
import { yieldToEventLoop } from '../event-loop.js';
import { ascending, BinaryReader, BinaryWriter, LazySection } from './binary.js';
import type { ByteSource } from './block-file.js';
import type { SegmentedDocument } from './segment.js';

/** Sentences added between two yields of {@link SentenceLexicon.build}: a few milliseconds of work. */
const SENTENCES_PER_SLICE = 500;

const SIGNATURE = 'VSLX 1';

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
  return contentWordsOf(tokenize(text));
}

/** {@link contentWords} of a text already tokenized. */
function contentWordsOf(tokens: Token[]): LexiconWord[] {
  const words: LexiconWord[] = [];
  for (const token of tokens) {
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

/** Texts' content words as numbers: runs of (written word, term) pairs, one run per text. */
interface WordRuns<T = Uint32Array> {
  /** Run i is positions `starts[i]` to `starts[i + 1]`. */
  starts: T;
  words: T;
  terms: T;
}

/** {@link WordRuns} read run by run, when first used. */
type LazyRuns = WordRuns<LazySection<Uint32Array>>;

/** Runs in memory as {@link LazyRuns}. */
const lazyRuns = ({ starts, words, terms }: WordRuns): LazyRuns => ({
  starts: LazySection.of(starts),
  words: LazySection.of(words),
  terms: LazySection.of(terms),
});

/** All of {@link LazyRuns}, read. */
const readRuns = ({ starts, words, terms }: LazyRuns): WordRuns => ({ starts: starts.slice(0), words: words.slice(0), terms: terms.slice(0) });

/** Everything a lexicon is, as the arrays its file holds. */
interface LexiconTables {
  /** Written forms, in the order the corpus first uses them (the order spelling ties are broken in). */
  words: string[];
  wordCounts: Uint32Array;
  terms: string[];
  /** Sentences holding each term, ascending: term t's are positions `postingStarts[t]` to `postingStarts[t + 1]`. */
  postingStarts: Uint32Array;
  postings: LazySection<Uint32Array>;
  sentences: LazyRuns;
  /** Each document's title, author and publisher. */
  metadata: LazyRuns;
  /** Each document's number of sentences. */
  sentenceCounts: Uint32Array;
  /** Written forms (stopwords included) found inside sentences, in ascending order, with how often, and how often capitalised. */
  capitalWords: string[];
  occurrences: Uint32Array;
  capitalised: Uint32Array;
}

/**
 * What an update of a lexicon starts from (see {@link SentenceLexicon.build}): for each
 * document, its position in the previous lexicon when it is unchanged there, else -1; and the
 * previous documents that are gone or changed.
 */
export interface LexiconUpdate {
  previous: SentenceLexicon;
  positions: number[];
  removed: SegmentedDocument[];
}

/** A {@link LexiconUpdate} as the collector reads it: the previous lexicon's tables. */
interface LexiconReuse {
  tables: LexiconTables;
  documentBases: Uint32Array;
  positions: number[];
  removed: SegmentedDocument[];
}

/**
 * Collects a lexicon's tables from documents, tokenizing each sentence once: at build time, so
 * that loading an index reads them instead.
 */
class LexiconCollector {
  private readonly wordIds = new Map<string, number>();
  private readonly words: string[] = [];
  private readonly wordCounts: number[] = [];
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly postings: number[][] = [];
  private readonly sentences = new RunCollector();
  private readonly metadata = new RunCollector();
  private readonly sentenceCounts: number[] = [];
  private readonly capitals = new Map<string, [number, number]>();

  /**
   * Adds the documents' words; yields after each sentence, so that callers can pause. A
   * document `reuse` finds unchanged in its previous lexicon has its numbers copied from there
   * instead of tokenizing it again; the documents of that lexicon that are gone or changed
   * have their capitals taken back out of the counts `reuse` starts from.
   */
  *fill(documents: SegmentedDocument[], reuse?: LexiconReuse): Generator<void> {
    const previous = reuse?.tables;
    // Nearly every run is copied: read them all at once rather than run by run.
    const previousRuns = previous && { sentences: readRuns(previous.sentences), metadata: readRuns(previous.metadata) };
    // Previous word and term numbers → this collector's, assigned on first use as number() does.
    const wordIdOf = new Int32Array(previous?.words.length ?? 0).fill(-1);
    const termIdOf = new Int32Array(previous?.terms.length ?? 0).fill(-1);
    if (reuse) {
      const { capitalWords, occurrences, capitalised } = reuse.tables;
      capitalWords.forEach((word, id) => this.capitals.set(word, [occurrences[id]!, capitalised[id]!]));
      for (const { document, sentences } of reuse.removed) {
        for (const span of sentences) {
          this.countCapitals(tokenize(document.body.slice(span.start, span.end)), -1);
          yield;
        }
      }
    }
    // Copies a run of the previous lexicon's into `into`, renumbered.
    const copy = (runs: WordRuns, run: number, into: RunCollector, sentence?: number) => {
      for (let p = runs.starts[run]!; p < runs.starts[run + 1]!; p++) {
        const word = runs.words[p]!;
        const term = runs.terms[p]!;
        if (wordIdOf[word] === -1) wordIdOf[word] = this.wordId(previous!.words[word]!);
        if (termIdOf[term] === -1) termIdOf[term] = this.termId(previous!.terms[term]!);
        this.wordCounts[wordIdOf[word]!]!++;
        this.add(into, wordIdOf[word]!, termIdOf[term]!, sentence);
      }
      into.close();
    };
    // Numbers a text's content words into `into`.
    const collect = (tokens: Token[], into: RunCollector, sentence?: number) => {
      for (const word of contentWordsOf(tokens)) this.add(into, ...this.number(word), sentence);
      into.close();
    };
    for (const [doc, { document, sentences }] of documents.entries()) {
      this.sentenceCounts.push(sentences.length);
      const position = reuse?.positions[doc] ?? -1;
      if (previousRuns && position !== -1) {
        copy(previousRuns.metadata, position, this.metadata);
        const base = reuse.documentBases[position]!;
        for (let s = 0; s < sentences.length; s++) {
          copy(previousRuns.sentences, base + s, this.sentences, this.sentences.count);
          yield;
        }
      } else {
        collect(tokenize([document.title, document.author ?? '', document.publisher ?? ''].join('\n')), this.metadata);
        for (const span of sentences) {
          const tokens = tokenize(document.body.slice(span.start, span.end));
          this.countCapitals(tokens, 1);
          collect(tokens, this.sentences, this.sentences.count);
          yield;
        }
      }
    }
  }

  /** Adds a pair to the run `into` collects; a sentence's (numbered `sentence`) to its term's postings too. */
  private add(into: RunCollector, word: number, term: number, sentence: number | undefined): void {
    into.add(word, term);
    if (sentence === undefined) return;
    const list = this.postings[term]!;
    if (list[list.length - 1] !== sentence) list.push(sentence);
  }

  /** A word's numbers, counting the occurrence. */
  private number({ word, term }: LexiconWord): [number, number] {
    const wordId = this.wordId(word);
    this.wordCounts[wordId]!++;
    return [wordId, this.termId(term)];
  }

  private wordId(word: string): number {
    let wordId = this.wordIds.get(word);
    if (wordId === undefined) {
      wordId = this.words.push(word) - 1;
      this.wordIds.set(word, wordId);
      this.wordCounts.push(0);
    }
    return wordId;
  }

  private termId(term: string): number {
    let termId = this.termIds.get(term);
    if (termId === undefined) {
      termId = this.terms.push(term) - 1;
      this.termIds.set(term, termId);
      this.postings.push([]);
    }
    return termId;
  }

  /** Counts the words of a sentence as capitalised or not: `sign` 1 adds them, -1 takes them back out. */
  private countCapitals(tokens: Token[], sign: 1 | -1): void {
    tokens.forEach((token, position) => {
      if (position === 0) return;
      const word = normalizeWord(token.text);
      const counts = this.capitals.get(word) ?? [0, 0];
      counts[0] += sign;
      if (/^\p{Lu}/u.test(token.text)) counts[1] += sign;
      this.capitals.set(word, counts);
    });
  }

  tables(): LexiconTables {
    // In the order of the words, not of their first use: an update that takes a document's words
    // back out cannot know where the words it was the first to use stood. Words no sentence holds
    // any more are left out, as a full build never meets them.
    const capitals = [...this.capitals].filter(([, [occurrences]]) => occurrences > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const postingStarts = new Uint32Array(this.terms.length + 1);
    this.postings.forEach((list, term) => (postingStarts[term + 1] = postingStarts[term]! + list.length));
    // Filled in place: flattening the lists first would hold them twice more.
    const postings = new Uint32Array(postingStarts[this.terms.length]!);
    this.postings.forEach((list, term) => postings.set(list, postingStarts[term]));
    return {
      words: this.words,
      wordCounts: Uint32Array.from(this.wordCounts),
      terms: this.terms,
      postingStarts,
      postings: LazySection.of(postings),
      sentences: lazyRuns(this.sentences.runs()),
      metadata: lazyRuns(this.metadata.runs()),
      sentenceCounts: Uint32Array.from(this.sentenceCounts),
      capitalWords: capitals.map(([word]) => word),
      occurrences: Uint32Array.from(capitals, ([, [occurrences]]) => occurrences),
      capitalised: Uint32Array.from(capitals, ([, [, capitalised]]) => capitalised),
    };
  }
}

/** Collects {@link WordRuns}, one run at a time, in typed arrays that double as they fill (a corpus's runs hold millions of pairs). */
class RunCollector {
  private starts = new Uint32Array(1024);
  private words = new Uint32Array(1024);
  private terms = new Uint32Array(1024);
  private runCount = 0;
  private length = 0;

  get count(): number {
    return this.runCount;
  }

  /** Adds a pair to the run being collected. */
  add(word: number, term: number): void {
    if (this.length === this.words.length) {
      this.words = doubled(this.words);
      this.terms = doubled(this.terms);
    }
    this.words[this.length] = word;
    this.terms[this.length++] = term;
  }

  /** Ends the run being collected. */
  close(): void {
    if (this.runCount + 1 === this.starts.length) this.starts = doubled(this.starts);
    this.starts[++this.runCount] = this.length;
  }

  runs(): WordRuns {
    return { starts: this.starts.slice(0, this.runCount + 1), words: this.words.slice(0, this.length), terms: this.terms.slice(0, this.length) };
  }
}

function doubled(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const copy = new Uint32Array(array.length * 2);
  copy.set(array);
  return copy;
}

const NO_SENTENCES = new Uint32Array(0);

/**
 * Sentence-level vocabulary of a corpus: each sentence's content words, which sentences hold
 * each term, and how often each written word occurs. Evidence is scored per sentence, so its
 * term weights (IDF) are counted over sentences; the corpus's spellings correct a question's
 * typos. A document's title, author and publisher count as words of the corpus too (never as
 * quotable sentences): a question may name the speaker or the paper.
 *
 * Made once per build ({@link build}) and saved with the index ({@link toBinary}): loading it
 * tokenizes nothing, and reads only its small tables; which sentences hold a term, and which
 * words a sentence holds, are read from the file when first asked for.
 */
export class SentenceLexicon {
  /** Content words of each document's title, author and publisher. */
  readonly documentWords: LexiconWord[][];
  private readonly termIds = new Map<string, number>();
  /** Each document's first global sentence number (ascending: a sentence's document is found by bisection). */
  private readonly documentBases: Uint32Array;

  private constructor(private readonly tables: LexiconTables) {
    // Filled in a loop rather than from [term, id] pairs: a large corpus has tens of thousands, made at every load.
    for (let id = 0; id < tables.terms.length; id++) this.termIds.set(tables.terms[id]!, id);
    this.documentWords = Array.from(tables.sentenceCounts, (_, doc) => this.wordsOfRun(tables.metadata, doc));
    this.documentBases = new Uint32Array(tables.sentenceCounts.length);
    let base = 0;
    tables.sentenceCounts.forEach((count, doc) => {
      this.documentBases[doc] = base;
      base += count;
    });
  }

  /** The lexicon of `documents`, made in one block (tests, small corpora). */
  static of(documents: SegmentedDocument[]): SentenceLexicon {
    const collector = new LexiconCollector();
    for (const _ of collector.fill(documents));
    return new SentenceLexicon(collector.tables());
  }

  /**
   * The lexicon of `documents`, made in slices with the event loop free between them (a large
   * corpus takes seconds). With `update`, the documents it names unchanged are not tokenized
   * again but copied from the previous lexicon: the same lexicon, byte for byte, in a fraction
   * of the time when one file of many changed.
   */
  static async build(documents: SegmentedDocument[], update?: LexiconUpdate): Promise<SentenceLexicon> {
    const collector = new LexiconCollector();
    const reuse = update && {
      tables: update.previous.tables,
      documentBases: update.previous.documentBases,
      positions: update.positions,
      removed: update.removed,
    };
    let done = 0;
    for (const _ of collector.fill(documents, reuse)) {
      if (++done % SENTENCES_PER_SLICE === 0) await yieldToEventLoop();
    }
    return new SentenceLexicon(collector.tables());
  }

  /** The lexicon as a file's bytes, for {@link fromBinary}. */
  toBinary(): Uint8Array {
    const { words, wordCounts, terms, postingStarts, postings, sentences, metadata, sentenceCounts, capitalWords, occurrences, capitalised } = this.tables;
    const file = new BinaryWriter(SIGNATURE).addStrings(words).add(wordCounts).addStrings(terms).add(postingStarts).add(postings.slice(0));
    for (const runs of [sentences, metadata]) file.add(runs.starts.slice(0)).add(runs.words.slice(0)).add(runs.terms.slice(0));
    return file.add(sentenceCounts).addStrings(capitalWords).add(occurrences).add(capitalised).bytes();
  }

  /**
   * The lexicon {@link toBinary} saved. Its vocabulary, where each term's postings start, its
   * counts and the documents' words are read now (a few percent of the file); the postings and
   * the sentences' words (with where each sentence's start) are read from `file` when first used.
   *
   * @throws Error when `file` is not such a file, or its tables disagree with each other (an
   * {@link IndexCorruptError} when `file` is a {@link BlockFile} and a block read differs from its hash)
   */
  static fromBinary(file: Uint8Array | ByteSource): SentenceLexicon {
    const reader = new BinaryReader(file, SIGNATURE);
    const words = reader.nextStrings();
    const wordCounts = reader.next(Uint32Array);
    const terms = reader.nextStrings();
    const postingStarts = reader.next(Uint32Array);
    const postings = reader.nextLazy(Uint32Array);
    const [sentences, metadata] = [0, 1].map(() => ({
      starts: reader.nextLazy(Uint32Array),
      words: reader.nextLazy(Uint32Array),
      terms: reader.nextLazy(Uint32Array),
    }));
    const sentenceCounts = reader.next(Uint32Array);
    const capitalWords = reader.nextStrings();
    const occurrences = reader.next(Uint32Array);
    const capitalised = reader.next(Uint32Array);
    reader.end();
    const consistent =
      wordCounts.length === words.length &&
      postingStarts.length === terms.length + 1 &&
      ascending(postingStarts) &&
      postingStarts[terms.length] === postings.length &&
      // Where each run starts is read with the run, and checked then (see wordsOfRun).
      [sentences!, metadata!].every((runs) => runs.words.length === runs.terms.length && runs.starts.at(runs.starts.length - 1) === runs.words.length) &&
      metadata!.starts.length === sentenceCounts.length + 1 &&
      sentenceCounts.reduce((sum, count) => sum + count, 0) === sentences!.starts.length - 1 &&
      occurrences.length === capitalWords.length &&
      capitalised.length === capitalWords.length &&
      capitalWords.every((word, i) => i === 0 || capitalWords[i - 1]! < word);
    if (!consistent) throw new Error('the sentence lexicon disagrees with itself');
    return new SentenceLexicon({
      words,
      wordCounts,
      terms,
      postingStarts,
      postings,
      sentences: sentences!,
      metadata: metadata!,
      sentenceCounts,
      capitalWords,
      occurrences,
      capitalised,
    });
  }

  /** Number of sentences. */
  get size(): number {
    return this.tables.sentences.starts.length - 1;
  }

  /** Content words of a sentence, by global sentence number. */
  wordsOf(id: number): LexiconWord[] {
    return this.wordsOfRun(this.tables.sentences, id);
  }

  /** Global sentence number → document and sentence within it. */
  ref(id: number): { doc: number; sentence: number } {
    // The last document starting at or before the sentence: one with sentences, as the sentence lies before the end.
    const doc = bisect(this.documentBases.length, (doc) => this.documentBases[doc]! <= id) - 1;
    return { doc, sentence: id - this.documentBases[doc]! };
  }

  /** Written forms, in the order the corpus first uses them, with how often it does ({@link writtenCounts}). */
  get writtenWords(): readonly string[] {
    return this.tables.words;
  }

  /** Occurrences of each of {@link writtenWords} in the corpus. */
  get writtenCounts(): Uint32Array {
    return this.tables.wordCounts;
  }

  /**
   * Whether the corpus writes a word as a name: capitalised in at least 80 % of its
   * occurrences inside sentences ("lincoln", typed in lower case, is still Lincoln).
   */
  isName(word: string): boolean {
    const { capitalWords } = this.tables;
    const id = bisect(capitalWords.length, (id) => capitalWords[id]! < word);
    if (capitalWords[id] !== word) return false;
    const occurrences = this.tables.occurrences[id]!;
    return occurrences > 0 && this.tables.capitalised[id]! >= 0.8 * occurrences;
  }

  /**
   * Sentences holding a term, by global number, ascending.
   *
   * @throws Error (an {@link IndexCorruptError} for a lexicon read from an index) when they name a sentence it does not have
   */
  sentencesWith(term: string): Uint32Array {
    const id = this.termIds.get(term);
    if (id === undefined) return NO_SENTENCES;
    const { postings, postingStarts } = this.tables;
    const sentences = postings.slice(postingStarts[id]!, postingStarts[id + 1]);
    // Read on demand, so checked where used: ref() of a sentence beyond the lexicon would be garbage.
    for (const sentence of sentences)
      if (sentence >= this.size) throw postings.corrupt(`the postings of "${term}" name sentence ${sentence}, beyond its ${this.size}`);
    return sentences;
  }

  /** How many sentences hold a term: the length of {@link sentencesWith}, without reading them. */
  sentenceFrequency(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.tables.postingStarts[id + 1]! - this.tables.postingStarts[id]!;
  }

  /** Whether the corpus uses the term, in a sentence or in a document's metadata. */
  has(term: string): boolean {
    return this.termIds.has(term);
  }

  /** Inverse sentence frequency ln(1 + N / df); a term no sentence holds gets df = 0.5. */
  idf(term: string): number {
    return Math.log(1 + this.size / (this.sentenceFrequency(term) || 0.5));
  }

  /**
   * The words of a run, read from the file when first used, and checked there: a number beyond the
   * vocabulary would give undefined words.
   */
  private wordsOfRun(runs: LazyRuns, run: number): LexiconWord[] {
    const bounds = runs.starts.slice(run, run + 2);
    const from = bounds[0]!;
    const to = bounds[1]!;
    if (!(from <= to && to <= runs.words.length)) throw runs.starts.corrupt(`run ${run} of its words starts at ${from} and ends at ${to}`);
    const wordIds = runs.words.slice(from, to);
    const termIds = runs.terms.slice(from, to);
    const words: LexiconWord[] = [];
    for (let p = 0; p < wordIds.length; p++) {
      const word = this.tables.words[wordIds[p]!];
      const term = this.tables.terms[termIds[p]!];
      if (word === undefined || term === undefined) throw runs.words.corrupt(`run ${run} of its words names a word or term beyond its vocabulary`);
      words.push({ word, term });
    }
    return words;
  }
}

/** How many positions, from 0 up to `length`, `before` holds for: it must hold for those before some position and for none after. */
function bisect(length: number, before: (position: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
