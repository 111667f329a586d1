/** Small statistics and sampling helpers for `npm run bench`. */

/** The p-th percentile (0–100) by the nearest-rank method; 0 for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export { median } from '../src/core/eval.js';

/** Latency figures of a series of timings, in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(milliseconds: number[]): LatencySummary {
  return {
    n: milliseconds.length,
    p50: percentile(milliseconds, 50),
    p95: percentile(milliseconds, 95),
    p99: percentile(milliseconds, 99),
    max: milliseconds.length ? Math.max(...milliseconds) : 0,
  };
}

/** A seeded PRNG (mulberry32): the same seed gives the same sample on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates) driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Milliseconds spent in `body`, with its result. */
export async function timed<T>(body: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await body();
  return { ms: performance.now() - started, value };
}

/**
 * Latency of `passes` passes over the questions, after one warm-up pass of which only the first
 * question is timed (`firstMs`: what the first member waits after a start, before the index's
 * blocks are read and the code is compiled).
 */
export async function timeQuestions(
  questions: readonly string[],
  passes: number,
  answer: (question: string) => Promise<unknown>,
): Promise<LatencySummary & { questions: number; passes: number; firstMs: number }> {
  const { ms: firstMs } = await timed(() => answer(questions[0]!));
  for (const question of questions.slice(1)) await answer(question);
  const times: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const question of questions) {
      const started = performance.now();
      await answer(question);
      times.push(performance.now() - started);
    }
  }
  return { ...summarize(times), questions: questions.length, passes, firstMs };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
