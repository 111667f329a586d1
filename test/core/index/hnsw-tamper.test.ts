import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../../src/core/index/build.js';
import { HNSW_FILES } from '../../../src/core/index/hnsw-store.js';
import type { IndexManifest } from '../../../src/core/index/manifest.js';
import { CACHE_DIR, GLOVE_TIMEOUT, loadGlove, makeTempDir, removeTempDirs, ROOT } from '../../helpers/core.js';
import type { ProbeLine } from '../../helpers/probe-index.js';

/** Three State of the Union addresses: a few hundred chunks, enough for a graph with upper levels. */
const CORPUS = path.join(ROOT, 'test/fixtures/sotu-dev/corpus');
/** The probe's compiled script (`npm run build:dev`, which `npm test` runs first). */
const PROBE = path.join(ROOT, 'dist-dev/test/helpers/probe-index.js');

/**
 * Where things are in a file hnswlib's `saveIndex` wrote, read independently of the code under
 * test: 96 bytes of header, then each element's level-0 block (link count, neighbour ids,
 * vector, label), then each element's upper-level link lists preceded by their size.
 */
class GraphLayout {
  readonly count: number;
  readonly blockSize: number;
  readonly vectorOffset: number;
  readonly labelOffset: number;
  readonly maxM: number;
  readonly maxM0: number;
  readonly enterpoint: number;
  /** Byte position of each element's upper-level size field. */
  readonly upperStart: number[] = [];
  readonly levels: number[] = [];
  readonly upperListBytes: number;

  constructor(readonly bytes: Buffer) {
    this.count = Number(bytes.readBigUInt64LE(16));
    this.blockSize = Number(bytes.readBigUInt64LE(24));
    this.labelOffset = Number(bytes.readBigUInt64LE(32));
    this.vectorOffset = Number(bytes.readBigUInt64LE(40));
    this.enterpoint = bytes.readUInt32LE(52);
    this.maxM = Number(bytes.readBigUInt64LE(56));
    this.maxM0 = Number(bytes.readBigUInt64LE(64));
    this.upperListBytes = 4 + 4 * this.maxM;
    let position = HEADER_BYTES + this.count * this.blockSize;
    for (let element = 0; element < this.count; element++) {
      this.upperStart.push(position);
      const size = bytes.readUInt32LE(position);
      this.levels.push(size / this.upperListBytes);
      position += 4 + size;
    }
  }

  block(element: number): number {
    return HEADER_BYTES + element * this.blockSize;
  }

  /** Byte position of the link list of `element` at `level` (≥ 1). */
  upperList(element: number, level: number): number {
    return this.upperStart[element]! + 4 + (level - 1) * this.upperListBytes;
  }
}

const HEADER_BYTES = 96;
/** The header fields: name, byte position, width. */
const HEADER_FIELDS: [string, number, 4 | 8][] = [
  ['offsetLevel0', 0, 8],
  ['maxElements', 8, 8],
  ['elementCount', 16, 8],
  ['sizeDataPerElement', 24, 8],
  ['labelOffset', 32, 8],
  ['offsetData', 40, 8],
  ['maxLevel', 48, 4],
  ['enterpoint', 52, 4],
  ['maxM', 56, 8],
  ['maxM0', 64, 8],
  ['M', 72, 8],
  ['mult', 80, 8],
  ['efConstruction', 88, 8],
];

type Tamper = [name: string, damage: (bytes: Buffer, layout: GraphLayout) => Buffer];

/** A copy of the file with a little-endian unsigned integer of `width` bytes set at `at`. */
function withUint(bytes: Buffer, at: number, width: 2 | 4 | 8, value: number | bigint): Buffer {
  const copy = Buffer.from(bytes);
  if (width === 2) copy.writeUInt16LE(Number(value), at);
  else if (width === 4) copy.writeUInt32LE(Number(value), at);
  else copy.writeBigUInt64LE(BigInt(value), at);
  return copy;
}

function withFloat(bytes: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeFloatLE(value, at);
  return copy;
}

function swapped(bytes: Buffer, a: number, b: number, length: number): Buffer {
  const copy = Buffer.from(bytes);
  bytes.copy(copy, a, b, b + length);
  bytes.copy(copy, b, a, a + length);
  return copy;
}

/** Deterministic pseudo-random integers below `bound` (a 32-bit LCG: the campaign must be the same every run). */
function lcg(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}

function tampers(layout: GraphLayout): Tamper[] {
  const { count, maxM, maxM0, enterpoint, levels } = layout;
  const list: Tamper[] = [];
  for (const [field, at, width] of HEADER_FIELDS) {
    const value = width === 8 ? layout.bytes.readBigUInt64LE(at) : BigInt(layout.bytes.readUInt32LE(at));
    const top = width === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn;
    for (const [how, changed] of [
      ['0', 0n],
      ['+1', (value + 1n) & top],
      ['-1', (value - 1n) & top],
      ['×2', (value * 2n) & top],
      ['all ones', top],
    ] as const) {
      list.push([`header ${field} ${how}`, (bytes) => withUint(bytes, at, width, changed)]);
    }
    list.push([`header ${field} top bit flipped`, (bytes) => withUint(bytes, at, width, value ^ (width === 8 ? 1n << 63n : 1n << 31n))]);
  }
  for (const mult of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1e6]) {
    list.push([
      `header mult ${mult}`,
      (bytes) => {
        const copy = Buffer.from(bytes);
        copy.writeDoubleLE(mult, 80);
        return copy;
      },
    ]);
  }
  list.push(['header maxM and maxM0 swapped', (bytes) => swapped(bytes, 56, 64, 8)]);

  const upper = levels.flatMap((level, element) => (level > 0 && element !== enterpoint ? [element] : [])).slice(0, 3);
  const groundFloor = levels.findIndex((level) => level === 0);
  const elements = [...new Set([0, 1, Math.floor(count / 2), count - 1, enterpoint])];
  for (const element of elements) {
    const block = layout.block(element);
    list.push(
      [`element ${element} link count maxM0 + 1`, (bytes) => withUint(bytes, block, 2, maxM0 + 1)],
      [`element ${element} link count 0xffff`, (bytes) => withUint(bytes, block, 2, 0xffff)],
      [`element ${element} link count 0`, (bytes) => withUint(bytes, block, 2, 0)],
      [`element ${element} marked deleted`, (bytes) => withUint(bytes, block + 2, 2, 1)],
      [`element ${element} flag bytes 0xff`, (bytes) => withUint(bytes, block + 2, 2, 0xffff)],
      [`element ${element} neighbour = element count`, (bytes) => withUint(bytes, block + 4, 4, count)],
      [`element ${element} neighbour = count + 1000`, (bytes) => withUint(bytes, block + 4, 4, count + 1000)],
      [`element ${element} neighbour = 0x7fffffff`, (bytes) => withUint(bytes, block + 4, 4, 0x7fff_ffff)],
      [`element ${element} neighbour = 0xffffffff`, (bytes) => withUint(bytes, block + 4, 4, 0xffff_ffff)],
      [`element ${element} neighbour = itself`, (bytes) => withUint(bytes, block + 4, 4, element)],
      [`element ${element} last neighbour slot = 0x40000000`, (bytes) => withUint(bytes, block + 4 * maxM0, 4, 0x4000_0000)],
      [`element ${element} label = element count`, (bytes) => withUint(bytes, block + layout.labelOffset, 8, count)],
      [`element ${element} label = 2^40`, (bytes) => withUint(bytes, block + layout.labelOffset, 8, 2n ** 40n)],
      [`element ${element} label duplicated`, (bytes) => withUint(bytes, block + layout.labelOffset, 8, (element + 1) % count)],
      [`element ${element} vector NaN`, (bytes) => withFloat(bytes, block + layout.vectorOffset, Number.NaN)],
      [`element ${element} vector infinite`, (bytes) => withFloat(bytes, block + layout.vectorOffset + 4, Number.POSITIVE_INFINITY)],
      [`element ${element} upper size + 1`, (bytes) => withUint(bytes, layout.upperStart[element]!, 4, layout.levels[element]! * layout.upperListBytes + 1)],
      [`element ${element} upper size 0xffffffff`, (bytes) => withUint(bytes, layout.upperStart[element]!, 4, 0xffff_ffff)],
    );
  }
  list.push(['elements 0 and 1 swapped', (bytes) => swapped(bytes, layout.block(0), layout.block(1), layout.blockSize)]);
  list.push(['labels of elements 0 and 1 swapped', (bytes) => swapped(bytes, layout.block(0) + layout.labelOffset, layout.block(1) + layout.labelOffset, 8)]);
  list.push(['neighbour lists of elements 0 and 1 swapped', (bytes) => swapped(bytes, layout.block(0), layout.block(1), 4 + 4 * maxM0)]);
  for (const element of [enterpoint, ...upper]) {
    const top = levels[element]!;
    const list1 = layout.upperList(element, 1);
    const listTop = layout.upperList(element, top);
    list.push(
      [`upper element ${element} level-1 count maxM + 1`, (bytes) => withUint(bytes, list1, 2, maxM + 1)],
      [`upper element ${element} level-1 count 0xffff`, (bytes) => withUint(bytes, list1, 2, 0xffff)],
      [`upper element ${element} level-1 neighbour = element count`, (bytes) => withUint(bytes, list1 + 4, 4, count)],
      [`upper element ${element} level-1 neighbour = 0xffffffff`, (bytes) => withUint(bytes, list1 + 4, 4, 0xffff_ffff)],
      [
        `upper element ${element} top neighbour = a level-0 element`,
        (bytes) => withUint(withUint(bytes, listTop, 2, Math.max(1, bytes.readUInt16LE(listTop))), listTop + 4, 4, groundFloor),
      ],
      [
        `upper element ${element} size one level less (bytes kept)`,
        (bytes) => withUint(bytes, layout.upperStart[element]!, 4, (top - 1) * layout.upperListBytes),
      ],
      [`upper element ${element} size 0 (bytes kept)`, (bytes) => withUint(bytes, layout.upperStart[element]!, 4, 0)],
      [
        `upper element ${element} level dropped`,
        (bytes) =>
          Buffer.concat([
            withUint(bytes, layout.upperStart[element]!, 4, (top - 1) * layout.upperListBytes).subarray(0, listTop),
            bytes.subarray(listTop + layout.upperListBytes),
          ]),
      ],
      [
        `upper element ${element} level added`,
        (bytes) => {
          const end = layout.upperStart[element]! + 4 + top * layout.upperListBytes;
          return Buffer.concat([
            withUint(bytes, layout.upperStart[element]!, 4, (top + 1) * layout.upperListBytes).subarray(0, end),
            Buffer.alloc(layout.upperListBytes),
            bytes.subarray(end),
          ]);
        },
      ],
    );
  }
  list.push([`enterpoint = a level-0 element`, (bytes) => withUint(bytes, 52, 4, groundFloor)]);
  list.push([
    `element ${groundFloor} promoted to level 1 without links`,
    (bytes) => {
      const start = layout.upperStart[groundFloor]!;
      return Buffer.concat([
        withUint(bytes, start, 4, layout.upperListBytes).subarray(0, start + 4),
        Buffer.alloc(layout.upperListBytes),
        bytes.subarray(start + 4),
      ]);
    },
  ]);

  const length = layout.bytes.length;
  for (const at of [0, 8, 50, HEADER_BYTES, HEADER_BYTES + 1, layout.block(Math.floor(count / 2)), layout.upperStart[0]!, length - 4, length - 1]) {
    list.push([`truncated to ${at} bytes`, (bytes) => bytes.subarray(0, at)]);
  }
  for (const extra of [1, 4, layout.upperListBytes, 4096]) list.push([`${extra} zero bytes appended`, (bytes) => Buffer.concat([bytes, Buffer.alloc(extra)])]);
  list.push(['the last element’s upper sizes and first block swapped', (bytes) => swapped(bytes, layout.upperStart[count - 1]!, layout.block(0), 4)]);

  const random = lcg(20251125);
  for (let flip = 0; flip < 40; flip++) {
    const at = random(length);
    const mask = 1 + random(255);
    list.push([`byte ${at} xor ${mask}`, (bytes) => Buffer.from(bytes).fill(bytes[at]! ^ mask, at, at + 1)]);
  }
  // Random flips mostly land in vectors; these land in link lists, where the native code trusts most.
  for (let flip = 0; flip < 40; flip++) {
    const element = random(count);
    const at = layout.block(element) + random(4 + 4 * maxM0);
    const mask = 1 << random(8);
    list.push([`element ${element} link byte ${at} xor ${mask}`, (bytes) => Buffer.from(bytes).fill(bytes[at]! ^ mask, at, at + 1)]);
  }
  return list;
}

/** Longest a probe may stay silent on one folder: a damaged graph can also send the native code into a loop. */
const SILENCE_MS = 5_000;

/** Runs the probe over `dirs`, starting it again after a crash or a hang, until every folder has an outcome. */
async function probe(dirs: string[]): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  let remaining = dirs;
  while (remaining.length > 0) {
    const child = spawn(process.execPath, [PROBE, CACHE_DIR, ...remaining], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let watchdog: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, SILENCE_MS);
    };
    watch();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      watch();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(watchdog);
    let current: string | undefined;
    for (const line of stdout
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as ProbeLine)) {
      if (line.outcome === 'started') current = line.dir;
      else {
        outcomes.set(line.dir, line.outcome === 'works' ? 'works' : `${line.outcome}: ${line.message}`);
        current = undefined;
      }
    }
    if (current === undefined && (code !== 0 || signal !== null))
      throw new Error(`the probe failed outside any index (code ${code}, signal ${signal}): ${stderr}`);
    if (current !== undefined) outcomes.set(current, hung ? `hung for ${SILENCE_MS / 1000} s` : `crashed: ${signal ?? `exit code ${code}`}`);
    remaining = remaining.filter((dir) => !outcomes.has(dir));
  }
  return outcomes;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let pristine: string;
let work: string;

beforeAll(async () => {
  work = await makeTempDir('verbatim-hnsw-tamper-');
  pristine = path.join(work, 'pristine');
  await buildIndex({ corpusDir: CORPUS, indexDir: pristine, embeddings: await loadGlove() });
}, GLOVE_TIMEOUT);

afterAll(removeTempDirs);

describe('a damaged chunks.hnsw whose manifest hash was recomputed', () => {
  it('is reported as corrupt or still searches and updates: never crashes the process', async () => {
    const original = await readFile(path.join(pristine, HNSW_FILES.graph));
    const layout = new GraphLayout(original);
    expect(
      layout.levels.some((level) => level > 0),
      'the graph has upper levels to damage',
    ).toBe(true);
    const manifest = JSON.parse(await readFile(path.join(pristine, 'manifest.json'), 'utf8')) as IndexManifest;
    const campaign = tampers(layout);
    const byDir = new Map<string, string>();
    for (const [number, [name, damage]] of campaign.entries()) {
      const dir = path.join(work, `tamper-${number}`);
      await mkdir(dir);
      const damaged = damage(original, layout);
      // Hard links for the files left alone: hundreds of copies of the whole index would be slow.
      for (const file of Object.keys(manifest.files)) if (file !== HNSW_FILES.graph) await link(path.join(pristine, file), path.join(dir, file));
      await writeFile(path.join(dir, HNSW_FILES.graph), damaged);
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, files: { ...manifest.files, [HNSW_FILES.graph]: sha256(damaged) } }));
      byDir.set(dir, name);
    }
    const outcomes = await probe([...byDir.keys()]);
    const summary = [...byDir].map(([dir, name]) => `${name} → ${outcomes.get(dir)}`);
    const unsafe = summary.filter((line) => !/→ (works|corrupt: )/.test(line));
    expect(unsafe, `${unsafe.length} of ${campaign.length} tampers neither rejected nor harmless`).toEqual([]);
    // Damage the format cannot hide must be rejected, and say which check failed.
    for (const line of summary.filter((text) => /^(truncated|\d+ zero bytes|header (elementCount|maxM0?|M|sizeDataPerElement) )/.test(text))) {
      expect(line).toMatch(/→ corrupt: The index in .* is unreadable \(chunks\.hnsw .+\)/);
    }
  }, 60_000);
});
