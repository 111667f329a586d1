import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { IndexCorruptError } from '../../../src/core/errors.js';
import { AcronymTable } from '../../../src/core/index/acronym-table.js';
import { BLOCK_BYTES, BlockFile, blockHashes } from '../../../src/core/index/block-file.js';
import { readCorpusFile, writeCorpusFile } from '../../../src/core/index/corpus-file.js';
import { segmentDocument, type SegmentedDocument } from '../../../src/core/index/segment.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterAll(removeTempDirs);

/** A document whose body spans a few blocks of corpus.bin, its sentences told apart by `name`. */
function documentNamed(name: string): SegmentedDocument {
  const sentences = Array.from({ length: 900 }, (_, i) => `The ${name} report counts ${i} barrels of oil shipped on day ${i % 31}.`);
  const body = `# ${name}\n\n${sentences.join(' ')}\n`;
  const document: CorpusDocument = {
    source: `${name}.md`,
    title: name,
    body,
    hash: name.padEnd(64, '0'),
    headings: [{ title: name, start: 0, end: name.length + 2 }],
  };
  return segmentDocument(document);
}

/** corpus.bin of `documents` (labels counted from 0, their acronym table unless told) in a folder of its own, and the hashes of its blocks. */
async function written(documents: SegmentedDocument[], acronyms = AcronymTable.of(documents)): Promise<{ dir: string; blocks: string }> {
  const dir = await makeTempDir('verbatim-corpus-file-');
  let label = 0;
  const blocks = await writeCorpusFile(
    path.join(dir, 'corpus.bin'),
    documents,
    documents.map((doc) => doc.chunks.map(() => label++)),
    acronyms,
  );
  return { dir, blocks };
}

const plain = (documents: SegmentedDocument[]) => JSON.parse(JSON.stringify(documents)) as unknown;

describe('readCorpusFile from a BlockFile', () => {
  const documents = ['alpha', 'beta', 'gamma'].map(documentNamed);

  it('gives back the documents as written, bodies and spans made on first use', async () => {
    const { dir, blocks } = await written(documents);
    const corpus = readCorpusFile(BlockFile.open(dir, 'corpus.bin', blocks), dir);
    expect(documents[0]!.document.body.length).toBeGreaterThan(BLOCK_BYTES);
    expect(corpus.sources).toEqual(['alpha.md', 'beta.md', 'gamma.md']);
    expect(corpus.sentenceCounts).toEqual(documents.map((doc) => doc.sentences.length));
    expect(plain(corpus.documents)).toEqual(plain(documents));
  });

  it('finds damage to a body only when that body is used, and never gives it', async () => {
    const { dir, blocks } = await written(documents);
    const file = path.join(dir, 'corpus.bin');
    const bytes = await readFile(file);
    const at = bytes.indexOf('The beta report counts 450 ');
    expect(at).toBeGreaterThan(0);
    bytes[at + 4] = 'B'.charCodeAt(0);
    await writeFile(file, bytes);
    const corpus = readCorpusFile(BlockFile.open(dir, 'corpus.bin', blocks), dir);
    expect(corpus.documents[0]!.document.body).toBe(documents[0]!.document.body);
    expect(corpus.documents[1]!.sentences).toEqual(documents[1]!.sentences);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => corpus.documents[1]!.document.body).toThrow(IndexCorruptError);
      expect(() => corpus.documents[1]!.document.body).toThrow(/corpus\.bin is truncated or altered \(block \d+ differs from its hash\)/);
    }
    expect(corpus.documents[2]!.document.body).toBe(documents[2]!.document.body);
  });

  it('checks a document’s spans when they are first made: sections that disagree are an IndexCorruptError then', async () => {
    const damaged = documents.map((doc, d) =>
      d === 1
        ? {
            ...doc,
            sentences: doc.sentences.map((sentence, i) => (i === 3 ? { ...sentence, leadIn: 9999 } : sentence)),
            chunks: doc.chunks.map((chunk, i) => (i === 2 ? { ...chunk, lastSentence: 9999 } : chunk)),
          }
        : doc,
    );
    const { dir, blocks } = await written(damaged);
    const corpus = readCorpusFile(BlockFile.open(dir, 'corpus.bin', blocks), dir);
    expect(plain(corpus.documents.slice(0, 1))).toEqual(plain(documents.slice(0, 1)));
    expect(() => corpus.documents[1]!.sentences).toThrow(IndexCorruptError);
    expect(() => corpus.documents[1]!.chunks).toThrow(/The index in .* is unreadable \(corpus\.bin: its sections disagree\)/);
    expect(() => corpus.makeSpans()).toThrow(IndexCorruptError);
    // The body itself is intact.
    expect(corpus.documents[1]!.document.body).toBe(documents[1]!.document.body);
  });

  it('gives back the acronym table as written, and finds texts it lists beyond the documents only when asked for them', async () => {
    const named = [documentNamed('Delta Echo'), ...documents.slice(0, 2), documentNamed('Foxtrot Golf')];
    const { dir, blocks } = await written(named.slice(0, 3), AcronymTable.of(named));
    const corpus = readCorpusFile(BlockFile.open(dir, 'corpus.bin', blocks), dir);
    const made = AcronymTable.of(named);
    expect(corpus.acronyms.initials).toEqual(made.initials);
    expect(corpus.acronyms.textsWith('TDE')).toEqual(new Uint32Array([2]));
    expect(corpus.acronyms.textsWith('DE')).toEqual(new Uint32Array([1, 2]));
    expect(corpus.acronyms.textsWith('XYZ')).toEqual(new Uint32Array(0));
    expect(made.textsWith('FG')).toEqual(new Uint32Array([10, 11]));
    expect(() => corpus.acronyms.textsWith('FG')).toThrow(IndexCorruptError);
    expect(() => corpus.acronyms.textsWith('FG')).toThrow(/corpus\.bin is truncated or altered \(the texts of acronym FG disagree\)/);
  });

  it('refuses at once an acronym table whose initials are out of order', async () => {
    const { dir } = await written([documentNamed('Delta Echo'), documentNamed('Foxtrot Golf')]);
    const bytes = await readFile(path.join(dir, 'corpus.bin'));
    const at = bytes.lastIndexOf('ETDE\nFG\n');
    expect(at).toBeGreaterThan(0);
    bytes.write('FG\nETDE', at);
    await writeFile(path.join(dir, 'corpus.bin'), bytes);
    expect(() => readCorpusFile(BlockFile.open(dir, 'corpus.bin', blockHashes(bytes)), dir)).toThrow(/the acronym table’s sections disagree/);
  });

  it('refuses at once a file whose sections do not fit together', async () => {
    const { dir } = await written(documents);
    const bytes = (await readFile(path.join(dir, 'corpus.bin'))).subarray(0, 3 * BLOCK_BYTES);
    await writeFile(path.join(dir, 'corpus.bin'), bytes);
    expect(() => readCorpusFile(BlockFile.open(dir, 'corpus.bin', blockHashes(bytes)), dir)).toThrow(/shorter than its sections/);
  });
});
