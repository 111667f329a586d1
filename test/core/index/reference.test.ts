import { describe, expect, it } from 'vitest';
import { decodeReferences, encodeReferences, HASH_HEX, type QuoteReference } from '../../../src/core/index/reference.js';

const hash = (byte: string) => byte.repeat(32);

describe('quote references', () => {
  it('round-trips: the decoded references name the same sentences, with the hash cut to its first digits', () => {
    const references: QuoteReference[] = [
      { documentHash: hash('ab'), sentence: 0 },
      { documentHash: hash('0f'), sentence: 127 },
      { documentHash: hash('ab'), sentence: 128 },
      { documentHash: hash('ff'), sentence: 16_383 },
      { documentHash: hash('12'), sentence: 2_000_000 },
    ];
    const encoded = encodeReferences(references);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeReferences(encoded)).toEqual(
      references.map((reference) => ({ documentHash: reference.documentHash.slice(0, HASH_HEX), sentence: reference.sentence })),
    );
  });

  it('fits 10 quotes in a button custom id (100 characters with `passages:`)', () => {
    const references = Array.from({ length: 10 }, (_, i) => ({ documentHash: hash((i + 16).toString(16)), sentence: 16_000 + i }));
    const encoded = encodeReferences(references, 100 - 'passages:'.length);
    expect('passages:'.length + encoded.length).toBeLessThanOrEqual(100);
    expect(decodeReferences(encoded)).toHaveLength(10);
  });

  it('leaves out, from the last, the references that do not fit', () => {
    const references = Array.from({ length: 4 }, (_, i) => ({ documentHash: hash('cd'), sentence: i }));
    const encoded = encodeReferences(references, 19);
    expect(encoded.length).toBeLessThanOrEqual(19);
    expect(decodeReferences(encoded)?.map((reference) => reference.sentence)).toEqual([0, 1]);
  });

  it('refuses what it did not write: an interaction id (the old custom ids), a cut encoding, other characters', () => {
    const encoded = encodeReferences([{ documentHash: hash('ab'), sentence: 300 }]);
    expect(decodeReferences('')).toBeUndefined();
    expect(decodeReferences('1234567890123456789')).toBeUndefined();
    expect(decodeReferences(encoded.slice(0, -2))).toBeUndefined();
    expect(decodeReferences(`${encoded}!`)).toBeUndefined();
  });

  it('refuses references made under another index format (its sentence positions may differ)', () => {
    const bytes = Buffer.from(encodeReferences([{ documentHash: hash('ab'), sentence: 3 }]), 'base64url');
    expect(decodeReferences(bytes.toString('base64url'))).toHaveLength(1);
    bytes[0] = bytes[0]! ^ 1;
    expect(decodeReferences(bytes.toString('base64url'))).toBeUndefined();
  });
});
