/**
 * `/reindex` in the running bot while members keep asking: the bot (as `npm start` runs it)
 * against the Discord emulator with Discord's 3 s interaction window enforced, `/ask` sent at a
 * steady rate from just before the `/reindex` until a little after its summary, so that the
 * asks that land on the load and swap of the new index are counted too.
 */
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processMemory, startBenchBot } from './processes.js';
import type { Speech } from './sotu.js';
import { seededRandom, shuffled, summarize, type LatencySummary } from './stats.js';

/** Discord's window for the first response to an interaction. */
export const INTERACTION_WINDOW_MS = 3000;

/** Manage Server (and the basics): who may `/reindex`. */
const MODERATOR_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 5n));

/** Asks sent after the summary: the first questions on the new index are part of the swap's cost. */
const TAIL_MS = 3000;

export interface LiveReindexFigures {
  name: string;
  description: string;
  /** `/ask` sent per second. */
  rate: number;
  sent: number;
  /** First callback within {@link INTERACTION_WINDOW_MS} and accepted by the emulator. */
  acknowledged: number;
  /** INTERACTION_CREATE → first callback, over the asks that got one. */
  ack: LatencySummary;
  /** `/reindex` INTERACTION_CREATE → its summary edit. */
  reindexSeconds: number;
  /** The build's own figure, from the summary ("Reindexed in X s"). */
  buildSeconds: number;
  summary: string;
  /** VmHWM of the bot just before the `/reindex`, and after it. */
  rssBeforeMb?: number;
  peakRssMb?: number;
}

/** Sentences of the speeches, cut at end punctuation: enough for prose that reads like prose. */
function speechSentences(speeches: Speech[]): string[] {
  return speeches
    .flatMap((speech) => speech.text.split(/(?<=[.!?])\s+/).map((sentence) => sentence.replace(/\s+/g, ' ').trim()))
    .filter((sentence) => sentence.length > 20);
}

/**
 * An article of `bytes` (UTF-8, front matter included) of SOTU sentences in a seeded random
 * order, in paragraphs of five: realistic prose, one very large file.
 */
export function proseArticle(speeches: Speech[], bytes: number): string {
  const sentences = speechSentences(speeches);
  const random = seededRandom(20260101);
  const parts: string[] = ['---\ntitle: "Collected addresses"\n---\n'];
  let size = Buffer.byteLength(parts[0]!);
  let order = shuffled(sentences, random);
  let next = 0;
  for (;;) {
    if (next + 5 > order.length) {
      order = shuffled(sentences, random);
      next = 0;
    }
    const paragraph = `${order.slice(next, next + 5).join(' ')}\n\n`;
    next += 5;
    const paragraphBytes = Buffer.byteLength(paragraph);
    if (size + paragraphBytes > bytes) break;
    parts.push(paragraph);
    size += paragraphBytes;
  }
  return parts.join('');
}

/** An article of `bytes` of one short sentence per line ("Line 12345 ok."): the pathological case. */
export function shortLineArticle(bytes: number): string {
  const parts: string[] = ['---\ntitle: "Short lines"\n---\n'];
  let size = parts[0]!.length;
  for (let line = 1; ; line++) {
    const text = `Line ${line} ok.\n`;
    if (size + text.length > bytes) break;
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}

/** Appends one sentence to each of the first `count` Markdown files of `corpusDir` (by name). */
export async function changeFiles(corpusDir: string, count: number): Promise<number> {
  const files = (await readdir(corpusDir))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .slice(0, count);
  for (const file of files) await appendFile(path.join(corpusDir, file), '\nThis sentence was added for the live reindex benchmark.\n');
  return files.length;
}

export async function writeArticle(corpusDir: string, file: string, text: string): Promise<void> {
  await writeFile(path.join(corpusDir, file), text);
}

/**
 * Starts the bot on `corpusDir` and `indexDir` (an index of the corpus as it was), then runs
 * `change` on the corpus, sends `/reindex` as a moderator, and sends `/ask` `rate` times a
 * second until {@link TAIL_MS} after the reindex's summary.
 */
export async function liveReindex(options: {
  name: string;
  description: string;
  corpusDir: string;
  indexDir: string;
  cacheDir: string;
  questions: readonly string[];
  change: () => Promise<void>;
  rate: number;
  progress: (message: string) => void;
}): Promise<LiveReindexFigures> {
  const bot = await startBenchBot({
    corpusDir: options.corpusDir,
    indexDir: options.indexDir,
    cacheDir: options.cacheDir,
    callbackDeadlineMs: INTERACTION_WINDOW_MS,
  });
  const { emulator } = bot;
  try {
    await options.change();
    const rssBefore = bot.pid !== undefined ? processMemory(bot.pid) : undefined;
    const asks: Promise<{ id: string }>[] = [];
    const sendAsk = () => {
      const question = options.questions[asks.length % options.questions.length]!;
      const sent = emulator.sendChatInput({ commandName: 'ask', options: { question }, user: { id: bot.snowflake() } });
      // Awaited below; a failed dispatch must not be an unhandled rejection meanwhile.
      sent.catch(() => undefined);
      asks.push(sent);
    };
    sendAsk();
    const timer = setInterval(sendAsk, 1000 / options.rate);
    let reindexSeconds: number;
    let summary: string;
    try {
      const reindex = await emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR_PERMISSIONS });
      const ended = await emulator.waitForRequest(
        (request) =>
          request.method === 'PATCH' &&
          request.route.includes(reindex.token) &&
          /Reindexed in|Reindex failed/.test(String((request.body as { content?: unknown }).content)),
        30 * 60_000,
      );
      reindexSeconds = (ended.at - emulator.interactionTiming(reindex.id).dispatchedAt!) / 1000;
      summary = (ended.body as { content: string }).content;
      options.progress(`live-reindex ${options.name}: ${summary.split('\n')[0]}`);
      await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    } finally {
      clearInterval(timer);
    }
    const latencies: number[] = [];
    let acknowledged = 0;
    for (const sent of asks) {
      const interaction = await sent;
      // A callback past the window is answered 404/10062; one never sent counts as missed.
      const callback = await emulator.waitForCallback(interaction.id, 10_000).catch(() => undefined);
      const latency = emulator.interactionTiming(interaction.id).callbackLatencyMs;
      if (latency !== undefined) latencies.push(latency);
      if (callback?.status !== undefined && callback.status < 300 && latency !== undefined && latency <= INTERACTION_WINDOW_MS) acknowledged++;
    }
    const memory = bot.pid !== undefined ? processMemory(bot.pid) : undefined;
    const figures: LiveReindexFigures = {
      name: options.name,
      description: options.description,
      rate: options.rate,
      sent: asks.length,
      acknowledged,
      ack: summarize(latencies),
      reindexSeconds,
      buildSeconds: Number(/Reindexed in ([\d.]+) s/.exec(summary)?.[1] ?? Number.NaN),
      summary,
    };
    if (rssBefore) figures.rssBeforeMb = rssBefore.peakMb;
    if (memory) figures.peakRssMb = memory.peakMb;
    return figures;
  } catch (error) {
    throw new Error(`${(error as Error).message}\nbot log:\n${bot.log().slice(-3000)}`);
  } finally {
    await bot.stop();
  }
}
