import { open } from 'node:fs/promises';
import type { CorpusDocument } from '../corpus/document.js';
import { IndexCorruptError } from '../errors.js';
import { AcronymTable } from './acronym-table.js';
import { BinaryReader, BinaryWriter } from './binary.js';
import { BlockHasher, type ByteSource } from './block-file.js';
import type { Chunk, SegmentedDocument, Sentence } from './segment.js';

const SIGNATURE = 'VCORP 1';

/** No section (heading) in a sentence or chunk's slot of the section numbers. */
const NO_SECTION = -1;
/** No lead-in in a sentence's slot of the lead-ins. */
const NO_LEAD_IN = -1;
/** What a file whose sections do not fit together is told apart by. */
const DISAGREE = 'corpus.bin: its sections disagree';

/**
 * `corpus.bin`: the segmented documents and their chunks' graph labels, as typed arrays that a load
 * takes views of instead of parsing (a JSON file of a large corpus took seconds to parse). Sections:
 * 1. the documents without their bodies, as JSON (each `body` a placeholder where the key stands);
 * 2. the bodies, as one run of UTF-8, and 3. where each document's body starts and ends in it;
 * 4. each document's first sentence (documents + 1 entries), then per sentence 5. start, 6. end,
 * 7. section number, 8. lead-in; 9. each document's first chunk (documents + 1 entries), then per
 * chunk 10. start, 11. end, 12. first sentence, 13. last sentence, 14. section number, 15. graph
 * label; 16. the section headings the numbers refer to, as JSON; 17–19. the {@link AcronymTable} of
 * the documents' texts (initials, their starts, texts), so that a load finds an acronym's texts
 * without reading every body.
 */
export interface CorpusFile {
  /** The documents, each materialised (its body decoded, its sentences and chunks made) on first use. */
  documents: SegmentedDocument[];
  chunkLabels: number[][];
  /** Each document's source, read without materialising it. */
  sources: string[];
  /** Each document's sentence count, read without materialising it. */
  sentenceCounts: number[];
  /** Each document's chunk count. */
  chunkCounts: number[];
  /** Every chunk's label, documents in order. */
  labels: Uint32Array;
  /** Where acronyms may be spelt out in the documents, each initials' texts read when first asked for. */
  acronyms: AcronymTable;
  /**
   * Makes every document's sentences and chunks now rather than on first use, checking them: for a
   * reader that will use them all, so that damage is found before it starts.
   *
   * @throws {@link IndexCorruptError} when one is damaged
   */
  makeSpans(): void;
}

/**
 * Writes the documents, labels and acronym table of an index as `corpus.bin`, section by section (a large corpus's
 * bodies are not copied once more into one buffer).
 *
 * @returns the hashes of its blocks, as {@link BlockHasher.digest} gives them
 */
export async function writeCorpusFile(
  file: string,
  documents: readonly SegmentedDocument[],
  chunkLabels: readonly (readonly number[])[],
  acronyms: AcronymTable,
): Promise<string> {
  const sections = new Map<string, number>();
  const sectionNumber = (section: string | undefined) => {
    if (section === undefined) return NO_SECTION;
    let number = sections.get(section);
    if (number === undefined) sections.set(section, (number = sections.size));
    return number;
  };
  const sentenceTotal = documents.reduce((sum, doc) => sum + doc.sentences.length, 0);
  const chunkTotal = documents.reduce((sum, doc) => sum + doc.chunks.length, 0);
  const bodyBytes = documents.map((doc) => Buffer.byteLength(doc.document.body, 'utf8'));
  const bodies = Buffer.allocUnsafe(bodyBytes.reduce((sum, bytes) => sum + bytes, 0));
  const bodyOffsets = new Float64Array(documents.length + 1);
  const firstSentence = new Uint32Array(documents.length + 1);
  const sentenceStart = new Uint32Array(sentenceTotal);
  const sentenceEnd = new Uint32Array(sentenceTotal);
  const sentenceSection = new Int32Array(sentenceTotal);
  const sentenceLeadIn = new Int32Array(sentenceTotal);
  const firstChunk = new Uint32Array(documents.length + 1);
  const chunkStart = new Uint32Array(chunkTotal);
  const chunkEnd = new Uint32Array(chunkTotal);
  const chunkFirst = new Uint32Array(chunkTotal);
  const chunkLast = new Uint32Array(chunkTotal);
  const chunkSection = new Int32Array(chunkTotal);
  const labels = new Uint32Array(chunkTotal);
  let sentence = 0;
  let chunk = 0;
  let bodyOffset = 0;
  const metadata = documents.map((doc, d) => {
    bodies.write(doc.document.body, bodyOffset, 'utf8');
    bodyOffsets[d] = bodyOffset;
    bodyOffset += bodyBytes[d]!;
    firstSentence[d] = sentence;
    for (const { start, end, section, leadIn } of doc.sentences) {
      sentenceStart[sentence] = start;
      sentenceEnd[sentence] = end;
      sentenceSection[sentence] = sectionNumber(section);
      sentenceLeadIn[sentence] = leadIn ?? NO_LEAD_IN;
      sentence++;
    }
    firstChunk[d] = chunk;
    const docLabels = chunkLabels[d]!;
    if (docLabels.length !== doc.chunks.length) throw new Error(`document ${d} has ${doc.chunks.length} chunks and ${docLabels.length} labels`);
    doc.chunks.forEach(({ start, end, firstSentence: first, lastSentence: last, section }, c) => {
      chunkStart[chunk] = start;
      chunkEnd[chunk] = end;
      chunkFirst[chunk] = first;
      chunkLast[chunk] = last;
      chunkSection[chunk] = sectionNumber(section);
      labels[chunk] = docLabels[c]!;
      chunk++;
    });
    // The body's key keeps its place, so that a loaded document lists its keys in the same order.
    return { ...doc.document, body: 0 };
  });
  bodyOffsets[documents.length] = bodyOffset;
  firstSentence[documents.length] = sentence;
  firstChunk[documents.length] = chunk;
  const writer = new BinaryWriter(SIGNATURE)
    .add(utf8(JSON.stringify(metadata)))
    .add(bodies)
    .add(bodyOffsets)
    .add(firstSentence)
    .add(sentenceStart)
    .add(sentenceEnd)
    .add(sentenceSection)
    .add(sentenceLeadIn)
    .add(firstChunk)
    .add(chunkStart)
    .add(chunkEnd)
    .add(chunkFirst)
    .add(chunkLast)
    .add(chunkSection)
    .add(labels)
    .add(utf8(JSON.stringify([...sections.keys()])));
  acronyms.write(writer);
  const handle = await open(file, 'w');
  const blocks = new BlockHasher();
  try {
    for (const part of writer.pieces()) {
      blocks.update(part);
      await handle.write(part);
    }
  } finally {
    await handle.close();
  }
  return blocks.digest();
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** Defines `key` on `target` as made by `make` on first read, then kept (and writable, as a plain property). */
function lazy<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): void {
  const settle = (value: T[K]) => Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = make();
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** Whether every value is at least `low` and below `high`. */
function numbersWithin(values: Int32Array | Uint32Array, low: number, high: number): boolean {
  for (const value of values) if (value < low || value >= high) return false;
  return true;
}

/** Whether `values` runs in order from 0 to `last`. */
function inRange(values: Uint32Array | Float64Array, last: number): boolean {
  if (values[0] !== 0 || values[values.length - 1] !== last) return false;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[i - 1]!) return false;
  return true;
}

/**
 * Reads what {@link writeCorpusFile} wrote, from a {@link BlockFile} (or bytes in memory): a load reads
 * only the documents' metadata, where each one's body, sentences and chunks lie, the labels, and the
 * acronym table's initials (each one's texts read when asked for). Each
 * document's body, sentences and chunks are read when first used (a large corpus's spans alone are
 * MB that a load would read and check for nothing). The file's structure is checked: at once the
 * sections, their lengths, and offsets in order and within the file; a document's section numbers,
 * lead-ins and chunk sentences, that they exist, when its sentences or chunks are first made. What
 * the file must agree with (the manifest, the graph) is the caller's to check.
 *
 * @throws Error naming what is wrong when the file is not such a file, {@link IndexCorruptError} when a
 * block read is damaged; a document's body, sentences or chunks throw an {@link IndexCorruptError} for
 * the index in `indexDir` when first used, if damaged
 */
export function readCorpusFile(source: ByteSource, indexDir: string): CorpusFile {
  const file = new BinaryReader(source, SIGNATURE);
  const metadata = JSON.parse(new TextDecoder().decode(file.next(Uint8Array))) as CorpusDocument[];
  const bodies = file.nextLazy(Uint8Array);
  const bodyOffsets = file.next(Float64Array);
  const firstSentence = file.next(Uint32Array);
  const sentenceStart = file.nextLazy(Uint32Array);
  const sentenceEnd = file.nextLazy(Uint32Array);
  const sentenceSection = file.nextLazy(Int32Array);
  const sentenceLeadIn = file.nextLazy(Int32Array);
  const firstChunk = file.next(Uint32Array);
  const chunkStart = file.nextLazy(Uint32Array);
  const chunkEnd = file.nextLazy(Uint32Array);
  const chunkFirst = file.nextLazy(Uint32Array);
  const chunkLast = file.nextLazy(Uint32Array);
  const chunkSection = file.nextLazy(Int32Array);
  const labels = file.next(Uint32Array);
  const sectionTitles = JSON.parse(new TextDecoder().decode(file.next(Uint8Array))) as string[];
  const count = Array.isArray(metadata) ? metadata.length : -1;
  const acronyms = AcronymTable.read(file, count);
  file.end();
  const sentences = sentenceStart.length;
  const chunks = chunkStart.length;
  if (
    !Array.isArray(sectionTitles) ||
    !metadata.every((doc) => typeof doc === 'object' && doc !== null && typeof doc.source === 'string' && 'body' in doc) ||
    bodyOffsets.length !== count + 1 ||
    !inRange(bodyOffsets, bodies.length) ||
    firstSentence.length !== count + 1 ||
    !inRange(firstSentence, sentences) ||
    [sentenceEnd, sentenceSection, sentenceLeadIn].some((values) => values.length !== sentences) ||
    firstChunk.length !== count + 1 ||
    !inRange(firstChunk, chunks) ||
    [chunkEnd, chunkFirst, chunkLast, chunkSection, labels].some((values) => values.length !== chunks) ||
    !sectionTitles.every((title) => typeof title === 'string')
  ) {
    throw new Error(DISAGREE);
  }
  // Found only when a question reaches the document: the caller's checks of the load are long over.
  const disagreeLater = () => new IndexCorruptError(indexDir, DISAGREE);
  const sectionOf = (number: number) => (number === NO_SECTION ? undefined : sectionTitles[number]!);
  const documents = metadata.map((document, d): SegmentedDocument => {
    const sentenceFrom = firstSentence[d]!;
    const sentenceTo = firstSentence[d + 1]!;
    const chunkFrom = firstChunk[d]!;
    const chunkTo = firstChunk[d + 1]!;
    const sentenceCount = sentenceTo - sentenceFrom;
    lazy(document, 'body', () => {
      const body = bodies.slice(bodyOffsets[d]!, bodyOffsets[d + 1]);
      return Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8');
    });
    const segmented = { document } as SegmentedDocument;
    lazy(segmented, 'sentences', () => {
      const start = sentenceStart.slice(sentenceFrom, sentenceTo);
      const end = sentenceEnd.slice(sentenceFrom, sentenceTo);
      const section = sentenceSection.slice(sentenceFrom, sentenceTo);
      const leadIn = sentenceLeadIn.slice(sentenceFrom, sentenceTo);
      if (!numbersWithin(section, NO_SECTION, sectionTitles.length) || !numbersWithin(leadIn, NO_LEAD_IN, sentenceCount)) throw disagreeLater();
      return Array.from(start, (_, s): Sentence => {
        const sentence: Sentence = { start: start[s]!, end: end[s]! };
        const title = sectionOf(section[s]!);
        if (title !== undefined) sentence.section = title;
        if (leadIn[s] !== NO_LEAD_IN) sentence.leadIn = leadIn[s]!;
        return sentence;
      });
    });
    lazy(segmented, 'chunks', () => {
      const start = chunkStart.slice(chunkFrom, chunkTo);
      const end = chunkEnd.slice(chunkFrom, chunkTo);
      const first = chunkFirst.slice(chunkFrom, chunkTo);
      const last = chunkLast.slice(chunkFrom, chunkTo);
      const section = chunkSection.slice(chunkFrom, chunkTo);
      if (!numbersWithin(section, NO_SECTION, sectionTitles.length) || !numbersWithin(first, 0, sentenceCount) || !numbersWithin(last, 0, sentenceCount)) {
        throw disagreeLater();
      }
      return Array.from(start, (_, c): Chunk => {
        const chunk: Chunk = { start: start[c]!, end: end[c]!, firstSentence: first[c]!, lastSentence: last[c]! };
        const title = sectionOf(section[c]!);
        if (title !== undefined) chunk.section = title;
        return chunk;
      });
    });
    return segmented;
  });
  return {
    documents,
    // A loop, not Array.from: three times faster for the 300,000 labels of a large corpus.
    chunkLabels: metadata.map((_, d) => {
      const own = new Array<number>(firstChunk[d + 1]! - firstChunk[d]!);
      for (let c = 0; c < own.length; c++) own[c] = labels[firstChunk[d]! + c]!;
      return own;
    }),
    sources: metadata.map((doc) => doc.source),
    sentenceCounts: metadata.map((_, d) => firstSentence[d + 1]! - firstSentence[d]!),
    chunkCounts: metadata.map((_, d) => firstChunk[d + 1]! - firstChunk[d]!),
    labels,
    acronyms,
    makeSpans: () => documents.forEach((doc) => doc.sentences.length + doc.chunks.length),
  };
}
