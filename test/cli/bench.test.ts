import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntry } from '../helpers/entry.js';

type Json = Record<string, any>;

function expectRate(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(1);
}

function expectLatency(summary: Json, atMostMs: number): void {
  expect(summary.n).toBeGreaterThan(0);
  expect(summary.p50).toBeGreaterThan(0);
  expect(summary.p50).toBeLessThanOrEqual(summary.p95);
  expect(summary.p95).toBeLessThanOrEqual(summary.p99);
  expect(summary.p99).toBeLessThan(atMostMs);
}

function expectBuild(series: Json): void {
  expect(series.runs.length).toBeGreaterThan(0);
  expect(series.seconds).toBeGreaterThan(0);
  expect(series.seconds).toBeLessThan(60);
  expect(series.peakRssMb).toBeGreaterThan(30);
  expect(series.peakRssMb).toBeLessThan(4096);
  expect(series.indexBytes).toBeGreaterThan(0);
  expect(series.documents).toBeGreaterThan(0);
}

describe('npm run bench -- --quick', () => {
  let work: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let results: Json;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-test-'));
    const json = path.join(work, 'bench.json');
    run = await runEntry('bench/cli', {}, ['--quick', '--json', json]);
    if (run.code === 0) results = JSON.parse(await readFile(json, 'utf8')) as Json;
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('exits 0 and prints a Markdown report with every section and a target column', () => {
    expect(run.code, run.stderr).toBe(0);
    for (const heading of ['# Verbatim benchmark', '## Targets', '## 1. Quality on the story', '## 2. Latency', '## 3. Scale', '## 4. Growth']) {
      expect(run.stdout).toContain(heading);
    }
    expect(run.stdout).toMatch(/\| figure \| value \| target \|/);
    expect(run.stdout).toMatch(/✅|❌/);
  });

  it('writes the raw figures: story quality of the three systems', () => {
    expect(results.meta.mode).toBe('quick');
    expect(results.meta.sections).toEqual(['story', 'latency', 'scale', 'growth']);
    expect(results.story.questions).toBeGreaterThan(0);
    for (const name of ['project', 'bm25', 'textbook']) {
      const system = results.story.systems[name];
      expectRate(system.hitAt1);
      expectRate(system.hitAt3);
      expect(system.hitAt3).toBeGreaterThanOrEqual(system.hitAt1);
      expect(system.abstainedUnanswerable).toBeLessThanOrEqual(system.unanswerable);
      expect(system.meanQuotedChars).toBeGreaterThan(0);
    }
    // In members' own words, soft matching puts the right sentence first where word overlap alone cannot.
    const paraphrase = results.story.paraphrase.systems;
    expect(paraphrase.project.hitAt1).toBeGreaterThan(paraphrase.bm25.hitAt1);
    expect(paraphrase.project.hitAt1).toBeGreaterThan(paraphrase.textbook.hitAt1);
    // A 1000-character chunk is longer than a sentence.
    expect(results.story.systems.textbook.meanFirstQuoteChars).toBeGreaterThan(results.story.systems.project.meanFirstQuoteChars);
  });

  it('writes latency figures: cold start, in-process ask, and /ask through the emulator when the bot is built', () => {
    const { latency } = results;
    expect(latency.coldStart.runs).toBeGreaterThan(0);
    expectLatency(latency.coldStart.firstByteMs, 30_000);
    expectLatency(latency.ask, 1_000);
    if (latency.discord.available) {
      expect(latency.discord.failures).toBe(0);
      expectLatency(latency.discord.edit, 5_000);
      expect(latency.discord.peakRssMb).toBeGreaterThan(30);
    } else {
      expect(latency.discord.reason).toMatch(/not built/);
    }
  });

  it('writes scale figures on a SOTU slice: builds, reindex, ask, known-item search for three systems', () => {
    const { scale } = results;
    expect(scale.corpus.fraction).toBeCloseTo(0.1);
    expect(scale.corpus.documents).toBeGreaterThan(10);
    expectBuild(scale.build);
    expect(scale.build.chunks).toBeGreaterThan(100);
    expect(scale.reindex.seconds).toBeGreaterThan(0);
    expect(scale.reindex.runs[0].changed).toBe(1);
    expect(scale.reindex.runs[0].reusedDocuments).toBe(scale.corpus.documents - 1);
    expectLatency(scale.ask, 5_000);
    expectBuild(scale.peers.bm25);
    expectBuild(scale.peers.vector);
    expect(scale.knownItems.queries).toBe(50);
    for (const name of ['project', 'bm25', 'vector']) {
      const system = scale.knownItems[name];
      expectRate(system.hitAt1);
      expectRate(system.hitAt5);
      expect(system.hitAt5).toBeGreaterThanOrEqual(system.hitAt1);
    }
  });

  it('writes a growth curve whose work grows with the corpus, and judges the targets', () => {
    const { growth, targets } = results;
    expect(growth.map((point: Json) => point.share)).toEqual([0.1, 0.25, 0.5, 1]);
    for (let i = 1; i < growth.length; i++) expect(growth[i].build.chunks).toBeGreaterThan(growth[i - 1].build.chunks);
    for (const point of growth) expectBuild(point.build);
    const ids = targets.map((target: Json) => target.id);
    expect(ids).toEqual(expect.arrayContaining(['story-hit1', 'paraphrase-hit1', 'story-chars', 'cold-start', 'ask-p50', 'scale-build', 'scale-rss', 'scale-reindex', 'scale-ask-p50']));
    for (const target of targets) {
      expect(typeof target.value).toBe('number');
      // Full-corpus targets are not judged on the quick slice.
      expect(target.met).toSatisfy((met: unknown) => met === null || typeof met === 'boolean');
      if (target.id.startsWith('scale-')) expect(target.met).toBeNull();
    }
  });
});
