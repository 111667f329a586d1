import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcronymExpansions, OneEditNeighbours, withinOneEdit } from '../../../src/core/answer/corpus-spelling.js';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { loadCorpus } from '../../../src/core/corpus/loader.js';
import { AcronymTable } from '../../../src/core/index/acronym-table.js';
import { segmentDocument, type SegmentedDocument } from '../../../src/core/index/segment.js';
import { SentenceLexicon } from '../../../src/core/index/sentence-lexicon.js';
import { termOf } from '../../../src/core/text/tokens.js';
import { ROOT } from '../../helpers/core.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');

const document = (source: string, body: string, extra: Partial<CorpusDocument> = {}): SegmentedDocument =>
  segmentDocument({ source, title: source, body, hash: source, headings: [], ...extra });

/** Texts where the expansion's pattern can start inside a word, run past white space, or meet dots and hyphens. */
const TRICKY = [
  document(
    'tricky.md',
    'ÉFoo Bar said so. McDonald Trust Fund grew. Foo-Bar Baz Qux left. U.S.A. Navy. Straße Süd. Östlich Ünter Weg.\nNew\tYork  City Hall. A.B.C. D.',
    { author: 'Franklin D. Roosevelt' },
  ),
  document('more.md', 'Dr.Who Was Here. Abc Def.Ghi Jkl. Ab1 Cd2 Ef. naïveFoo Bar. ǅemal Bey met ŉNo One.'),
];

/** The scan {@link AcronymExpansions} replaces: the pattern over every author, title and body. */
function scannedAcronymTerm(written: string, documents: readonly SegmentedDocument[]): string | undefined {
  if (!/^\p{L}{2,5}$/u.test(written)) return undefined;
  const pattern = new RegExp(
    `\\b${Array.from(written.toUpperCase())
      .map((letter) => `${letter}[\\p{L}]*\\.?`)
      .join('\\s+')}(?![\\p{L}])`,
    'u',
  );
  for (const { document } of documents) {
    for (const text of [document.author ?? '', document.title, document.body]) {
      const found = pattern.exec(text);
      if (found) return termOf(found[0].split(/\s+/).pop()!);
    }
  }
  return undefined;
}

/** A small deterministic generator, so that a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** One edit of each kind at a random place, and a word two edits away. */
function typos(word: string, next: () => number): string[] {
  const at = Math.floor(next() * word.length);
  const letter = 'abcdefghijklmnopqrstuvwxyzé'[Math.floor(next() * 27)]!;
  return [
    word.slice(0, at) + word.slice(at + 1),
    word.slice(0, at) + letter + word.slice(at),
    word.slice(0, at) + letter + word.slice(at + 1),
    word.slice(0, at) + word.slice(at + 1, at + 2) + word.slice(at, at + 1) + word.slice(at + 2),
    word.slice(0, at) + letter + letter + word.slice(at + 2),
  ];
}

describe('corpus spelling lookups equal the scans they replace', () => {
  let documents: SegmentedDocument[];
  let lexicon: SentenceLexicon;

  beforeAll(async () => {
    documents = [...TRICKY];
    for (const corpus of ['sotu-dev/corpus', 'sotu-tune/corpus', '../../corpus']) {
      for (const loaded of (await loadCorpus(path.join(FIXTURES, corpus))).documents) documents.push(segmentDocument(loaded));
    }
    lexicon = SentenceLexicon.of(documents);
  });

  it('finds the same one-edit neighbours as a scan of every written word, for each word and typos of it', () => {
    const words = lexicon.writtenWords;
    const neighbours = new OneEditNeighbours(words);
    const next = random(10);
    const asked = [...words, ...words.filter((_, i) => i % 7 === 0).flatMap((word) => typos(word, next)), '', 'é'];
    let found = 0;
    for (const word of asked) {
      const scanned = [...words.keys()].filter((id) => word !== '' && words[id]!.startsWith(word[0]!) && withinOneEdit(word, words[id]!));
      expect(neighbours.of(word), word).toEqual(scanned);
      found += scanned.length;
    }
    expect(found).toBeGreaterThan(asked.length);
  }, 60_000);

  it.each([
    ['made in one block', () => Promise.resolve(new AcronymExpansions(documents, AcronymTable.of(documents)))],
    [
      'made in slices',
      async () => {
        // The event loop runs between slices: what was queued before the build runs before it ends.
        // Three copies of the corpus make hundreds of texts; the copies after the first change no first match.
        let ranBetween = false;
        setImmediate(() => (ranBetween = true));
        const tripled = [...documents, ...documents, ...documents];
        const built = await AcronymTable.build(tripled);
        expect(ranBetween).toBe(true);
        return new AcronymExpansions(tripled, built);
      },
    ],
  ])(
    'expands the same acronyms as the pattern over every text, for the initials of every run of words and typed variants (%s)',
    async (_, make) => {
      const expansions = await make();
      const asked = new Set<string>([
        'FDR',
        'fdr',
        'Fdr',
        'EFB',
        'FB',
        'MTF',
        'DTF',
        'USAN',
        'NYCH',
        'SS',
        'ss',
        'ß',
        'ßs',
        'OUW',
        'ÖÜW',
        'öüw',
        'ABCD',
        'DWWH',
        'ADGJ',
        'AC',
        'ACE',
        'FBB',
        'ǆb',
        'ŉo',
        'NOO',
        'xyzzy',
        'toolong',
      ]);
      const next = random(20);
      for (const {
        document: { body },
      } of documents) {
        const words = body.split(/\s+/).filter((word) => /^\p{L}/u.test(word));
        for (let i = 0; i < words.length; i++) {
          if (next() > 0.02) continue;
          const length = 2 + Math.floor(next() * 4);
          const initials = words
            .slice(i, i + length)
            .map((word) => String.fromCodePoint(word.codePointAt(0)!))
            .join('');
          asked.add(initials);
          asked.add(initials.toUpperCase());
          asked.add(initials.toLowerCase());
        }
      }
      let expanded = 0;
      for (const written of asked) {
        const scanned = scannedAcronymTerm(written, documents);
        expect(expansions.termOf(written), written).toBe(scanned);
        if (scanned !== undefined) expanded++;
      }
      expect(expanded).toBeGreaterThan(50);
      expect(expansions.termOf('FDR')).toBe(termOf('Roosevelt'));
    },
    60_000,
  );
});
