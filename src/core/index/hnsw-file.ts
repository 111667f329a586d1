/**
 * A structural check of the file hnswlib's `saveIndex` writes (hnswlib-node 3, `hnswalg.h`),
 * made before the file is searched (see hnsw-search.ts) or the native `loadIndex` reads it. The
 * native code checks only the total length; everything else (link counts, neighbour ids, levels,
 * the entry point, sizes) it trusts, and a damaged value makes it read out of bounds on the first
 * search or insertion: the process dies (SIGSEGV, SIGABRT, SIGFPE) or loops, where a damaged
 * index should only be reported.
 *
 * The layout, little-endian, as `saveIndex` writes it:
 * - header: offsetLevel0_, max_elements_, cur_element_count, size_data_per_element_,
 *   label_offset_, offsetData_ (8 bytes each), maxlevel_ (int32), enterpoint_node_ (uint32),
 *   maxM_, maxM0_, M_ (8 bytes each), mult_ (float64), ef_construction_ (8 bytes): 96 bytes;
 * - per element, size_data_per_element_ bytes of level 0: link count (uint16), flags (a byte
 *   whose bit 0 marks a deleted element, then a zero byte), maxM0_ neighbour ids (uint32), the
 *   vector (float32 each), the label (uint64);
 * - per element, the byte size of its upper-level link lists (uint32), then the lists: one per
 *   level above 0, each a link count (uint32) and maxM_ neighbour ids.
 */

const HEADER_BYTES = 96;
const FLOAT_EXPONENT = 0x7f80_0000;
/** hnswlib caps M at 10000; the link count of a list is 16 bits. */
const MAX_M = 10_000;
/** A capacity the store never writes (it doubles capacity from 16): reading it would make the native code allocate for it. */
const capacityLimit = (elements: number) => 2 * Math.max(elements, 16);

/**
 * Where the parts of a checked file are, in 32-bit words from its start: what a search over its
 * bytes reads. hnswlib calls an element's position its internal id; the label is what the caller named it.
 */
export interface HnswLayout {
  /** The file as 32-bit words (hnswlib writes them in the machine's order, little-endian wherever it builds). */
  words: Uint32Array;
  /** The same memory as 32-bit floats, for the vectors. */
  floats: Float32Array;
  elements: number;
  /** The top level, -1 without elements. */
  maxLevel: number;
  /** The element searches start from, on the top level. */
  enterpoint: number;
  /** Links per list above level 0. */
  maxM: number;
  /** The word where element 0's level-0 block starts; each block is {@link wordsPerElement} words. */
  level0Start: number;
  wordsPerElement: number;
  /** Where the vector and the label sit within a block, in words. */
  vectorWord: number;
  labelWord: number;
  /** For each element, the word where its level-1 link list starts; the lists of higher levels follow it, `1 + maxM` words each. */
  upperLists: Uint32Array;
  /** Label → element. */
  elementOfLabel: Uint32Array;
}

/** What {@link checkHnswFile} found: the graph's size, deleted labels and layout, or the first broken rule. */
export type HnswFileCheck = { ok: true; elements: number; deletedLabels: number[]; layout: HnswLayout } | { ok: false; problem: string };

/** Thrown inside the check to stop at the first problem. */
class Problem extends Error {}

function fail(problem: string): never {
  throw new Problem(problem);
}

/**
 * Checks that `bytes` is a graph hnswlib can load and search safely, for vectors of
 * `dimensions` floats: the file length the header implies, sizes consistent with `dimensions`
 * and M, every link count within its maximum, every neighbour an element that exists at that
 * level, levels within the top level and the entry point on it, labels distinct and below the
 * element count, vectors finite. Linear in the file size, with a few typed arrays and no object per element.
 */
export function checkHnswFile(bytes: Uint8Array, dimensions: number): HnswFileCheck {
  try {
    return { ok: true, ...checkOrThrow(bytes, dimensions) };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error.message };
    throw error;
  }
}

function checkOrThrow(bytes: Uint8Array, dimensions: number): { elements: number; deletedLabels: number[]; layout: HnswLayout } {
  if (!Number.isInteger(dimensions) || dimensions <= 0) fail(`cannot hold vectors of ${dimensions} dimensions`);
  if (bytes.length < HEADER_BYTES) fail(`is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  if (bytes.length % 4 !== 0) fail(`is ${bytes.length} bytes, not a whole number of 4-byte words`);
  // Every field sits at a multiple of 4 bytes: read the file as 32-bit words (copied only when the buffer is not aligned).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
  const size = (byte: number, field: string) => {
    const high = words[byte / 4 + 1]!;
    if (high !== 0) fail(`has an impossible ${field} (above 2^32)`);
    return words[byte / 4]!;
  };

  const offsetLevel0 = size(0, 'offsetLevel0');
  const maxElements = size(8, 'max_elements');
  const elements = size(16, 'element count');
  const sizeDataPerElement = size(24, 'size_data_per_element');
  const labelOffset = size(32, 'label_offset');
  const offsetData = size(40, 'offsetData');
  const maxLevel = words[12]! | 0;
  const enterpoint = words[13]!;
  const maxM = size(56, 'maxM');
  const maxM0 = size(64, 'maxM0');
  const m = size(72, 'M');
  const mult = new DataView(aligned.buffer, aligned.byteOffset + 80, 8).getFloat64(0, true);
  const efConstruction = size(88, 'ef_construction');

  if (offsetLevel0 !== 0) fail(`has offsetLevel0 ${offsetLevel0}, not 0`);
  if (m < 2 || m > MAX_M) fail(`has M ${m}, outside 2–${MAX_M}`);
  if (maxM !== m || maxM0 !== 2 * m) fail(`has maxM ${maxM} and maxM0 ${maxM0} for M ${m} (hnswlib makes them M and 2M)`);
  if (!(Math.abs(mult * Math.log(m) - 1) < 1e-9)) fail(`has mult ${mult}, not 1/ln(M) for M ${m}`);
  if (efConstruction < m) fail(`has ef_construction ${efConstruction}, below M ${m}`);
  const linksLevel0Bytes = 4 + 4 * maxM0;
  const vectorBytes = 4 * dimensions;
  if (offsetData !== linksLevel0Bytes || labelOffset !== offsetData + vectorBytes || sizeDataPerElement !== labelOffset + 8) {
    fail(
      `has element offsets ${offsetData}/${labelOffset}/${sizeDataPerElement}, not ${linksLevel0Bytes}/${linksLevel0Bytes + vectorBytes}/${linksLevel0Bytes + vectorBytes + 8} for M ${m} and ${dimensions} dimensions`,
    );
  }
  if (maxElements < elements || maxElements > capacityLimit(elements)) fail(`has capacity ${maxElements} for ${elements} elements`);

  // Upper-level link lists: one size word per element, then the lists. Walked first, so that
  // every later read at an offset the file gives is known to fall inside the file.
  const level0Start = HEADER_BYTES / 4;
  const wordsPerElement = sizeDataPerElement / 4;
  const upperStart = level0Start + elements * wordsPerElement;
  if (upperStart + elements > words.length) fail(`is ${bytes.length} bytes, too short for ${elements} elements of ${sizeDataPerElement} bytes`);
  const upperListWords = 1 + maxM;
  const levels = new Int32Array(elements);
  const upperLists = new Uint32Array(elements);
  let at = upperStart;
  for (let element = 0; element < elements; element++) {
    if (at >= words.length) fail(`ends before the link lists of element ${element}`);
    const listBytes = words[at]!;
    if (listBytes % (4 * upperListWords) !== 0)
      fail(`gives element ${element} upper link lists of ${listBytes} bytes, not a multiple of ${4 * upperListWords}`);
    levels[element] = listBytes / (4 * upperListWords);
    upperLists[element] = at + 1;
    at += 1 + listBytes / 4;
  }
  if (at !== words.length)
    fail(at > words.length ? `ends inside the link lists of its last elements` : `has ${bytes.length - 4 * at} bytes after its last link list`);

  const elementOfLabel = new Uint32Array(elements);
  const layout: HnswLayout = {
    words,
    floats: new Float32Array(words.buffer, words.byteOffset, words.length),
    elements,
    maxLevel,
    enterpoint,
    maxM,
    level0Start,
    wordsPerElement,
    vectorWord: offsetData / 4,
    labelWord: labelOffset / 4,
    upperLists,
    elementOfLabel,
  };
  if (elements === 0) {
    if (maxLevel !== -1) fail(`has top level ${maxLevel} but no element`);
    return { elements, deletedLabels: [], layout };
  }
  if (enterpoint >= elements) fail(`has entry point ${enterpoint}, but ${elements} elements`);
  if (levels[enterpoint] !== maxLevel) fail(`has top level ${maxLevel}, but its entry point ${enterpoint} is on level ${levels[enterpoint]}`);

  const labelSeen = new Uint8Array(elements);
  const deletedLabels: number[] = [];
  const checkNeighbours = (element: number, level: number, list: number, count: number) => {
    for (let slot = 1; slot <= count; slot++) {
      const neighbour = words[list + slot]!;
      if (neighbour >= elements) fail(`links element ${element} to element ${neighbour} on level ${level}, but has ${elements} elements`);
      if (levels[neighbour]! < level) fail(`links element ${element} to element ${neighbour} on level ${level}, which only reaches level ${levels[neighbour]}`);
    }
  };
  for (let element = 0; element < elements; element++) {
    const level = levels[element]!;
    if (level > maxLevel) fail(`puts element ${element} on level ${level}, above the top level ${maxLevel}`);
    const block = level0Start + element * wordsPerElement;
    const head = words[block]!;
    const count = head & 0xffff;
    const flags = head >>> 16;
    if (count > maxM0) fail(`gives element ${element} ${count} links on level 0, more than ${maxM0}`);
    if (flags > 1) fail(`has unknown flags ${flags} on element ${element}`);
    checkNeighbours(element, 0, block, count);
    const vector = block + offsetData / 4;
    for (let d = vector; d < vector + dimensions; d++) {
      // All exponent bits set: an infinity or NaN.
      if ((words[d]! & FLOAT_EXPONENT) === FLOAT_EXPONENT) fail(`holds a non-finite number in the vector of element ${element}`);
    }
    const labelWord = block + labelOffset / 4;
    const label = words[labelWord]!;
    if (label >= elements || words[labelWord + 1] !== 0) fail(`gives element ${element} a label above its ${elements} elements`);
    if (labelSeen[label]) fail(`gives label ${label} to two elements`);
    labelSeen[label] = 1;
    elementOfLabel[label] = element;
    if (flags === 1) deletedLabels.push(label);
    for (let upper = 1; upper <= level; upper++) {
      const list = upperLists[element]! + (upper - 1) * upperListWords;
      const upperCount = words[list]!;
      if (upperCount > maxM) fail(`gives element ${element} ${upperCount} links on level ${upper}, more than ${maxM}`);
      checkNeighbours(element, upper, list, upperCount);
    }
  }
  return { elements, deletedLabels, layout };
}
