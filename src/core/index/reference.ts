import { INDEX_FORMAT_VERSION } from './manifest.js';

/**
 * Where a quote is in the corpus, stably: its document, named by the SHA-256 of the document's
 * file (as the manifest records it), and the sentence's position in that document. It outlives
 * the process and any reindex that leaves the document unchanged; once the file changes, its
 * hash does, and the reference finds nothing (it is never resolved to some other text).
 */
export interface QuoteReference {
  /** The document file's SHA-256 in hex, or (read back from {@link decodeReferences}) its first {@link HASH_HEX} hex digits. */
  documentHash: string;
  /** The sentence's position in its document, from 0. */
  sentence: number;
}

/**
 * The first byte of an encoding: the index format it was made under. Sentence positions hold
 * only for the segmentation that made them, and a change of segmentation comes with a new
 * index format, so a reference from another format is refused, never read as another sentence
 * of an unchanged file.
 */
const ENCODING_VERSION = INDEX_FORMAT_VERSION & 0xff;

/** Bytes of the document hash a reference keeps when encoded: 32 bits tell a corpus's documents apart. */
const HASH_BYTES = 4;
/** Hex digits of the document hash that a decoded reference holds. */
export const HASH_HEX = HASH_BYTES * 2;

/** The sentence position as a varint: 7 bits a byte, low first, the high bit set on all but the last. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/**
 * References in a few characters each (base64url, `[A-Za-z0-9_-]`: 8 for a sentence among the
 * first 16,384 of its document, after a one-byte mark of the index format), for a button's custom id. At most `maxLength` characters: the
 * references that do not fit are left out, from the last.
 */
export function encodeReferences(references: readonly QuoteReference[], maxLength = Infinity): string {
  const bytes: number[] = [ENCODING_VERSION];
  let encoded = '';
  for (const reference of references) {
    const hash = reference.documentHash.slice(0, HASH_HEX);
    if (!/^[0-9a-f]+$/i.test(hash) || hash.length !== HASH_HEX || !Number.isSafeInteger(reference.sentence) || reference.sentence < 0) break;
    const next = [...bytes, ...Buffer.from(hash, 'hex'), ...varint(reference.sentence)];
    const text = Buffer.from(next).toString('base64url');
    if (text.length > maxLength) break;
    bytes.splice(0, bytes.length, ...next);
    encoded = text;
  }
  return encoded;
}

/** The references {@link encodeReferences} wrote, or `undefined` when `text` is not such an encoding. */
export function decodeReferences(text: string): QuoteReference[] | undefined {
  if (text === '' || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  if (bytes[0] !== ENCODING_VERSION) return undefined;
  const references: QuoteReference[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (at + HASH_BYTES >= bytes.length) return undefined;
    const documentHash = bytes.subarray(at, at + HASH_BYTES).toString('hex');
    at += HASH_BYTES;
    let sentence = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined || scale > 2 ** 35) return undefined;
      sentence += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) break;
    }
    references.push({ documentHash, sentence });
  }
  return references.length > 0 ? references : undefined;
}
