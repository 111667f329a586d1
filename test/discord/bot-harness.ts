import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, spawnEntry } from '../helpers/entry.js';
import type { APIEmbed } from 'discord.js';
import { DiscordEmulator, type DiscordEmulatorOptions, type RecordedRequest } from './emulator.js';

export { ROOT, runEntry } from '../helpers/entry.js';

/** The message a bot sent, as the tests read it. */
export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
  components?: { components: { custom_id?: string; label?: string }[] }[];
  allowed_mentions?: { parse: string[] };
  flags?: number;
}

/** The message of a recorded request: an interaction callback carries it under `data`, an edit or follow-up as the body. */
export function bodyOf(request: RecordedRequest): MessageBody {
  const body = request.body as { data?: MessageBody } & MessageBody;
  return request.route.endsWith('/callback') ? (body.data ?? {}) : body;
}

/** Shaped like a real bot token, so the config accepts it; the tests check it never reaches a log. */
export const TEST_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.test-secret-token-value-0123456789abcd';
export const TEST_APPLICATION_ID = '100000000000000001';

export interface RunningBot {
  emulator: DiscordEmulator;
  child: ChildProcess;
  corpusDir: string;
  indexDir: string;
  /** Everything the bot has logged so far. */
  log(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts the Discord API emulator and the bot against it, exactly as `npm start` runs the
 * bot, with a private copy of the corpus and a fresh index directory; resolves when the bot
 * is logged in and ready.
 */
export async function startBot(
  options: {
    env?: Record<string, string>;
    emulator?: DiscordEmulatorOptions;
    /** Changes the corpus copy (and its temp folder) before the bot starts and indexes it. */
    prepare?: (corpusDir: string, work: string) => Promise<void>;
  } = {},
): Promise<RunningBot> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bot-'));
  const corpusDir = path.join(work, 'corpus');
  const indexDir = path.join(work, 'index');
  await cp(path.join(ROOT, 'corpus'), corpusDir, { recursive: true });
  await options.prepare?.(corpusDir, work);
  const emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID, ...options.emulator }).start();
  const child = spawnEntry('cli/start', {
    DISCORD_TOKEN: TEST_TOKEN,
    DISCORD_CLIENT_ID: TEST_APPLICATION_ID,
    DISCORD_API_BASE: emulator.apiBase,
    DISCORD_GLOBAL_REQUESTS_PER_SECOND: '10000',
    CORPUS_DIR: corpusDir,
    INDEX_DIR: indexDir,
    // The feedback database, private to the test (never the repository's data/).
    DATA_DIR: path.join(work, 'data'),
    ...options.env,
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = await Promise.race([emulator.waitForReady(60_000).then(() => true), exited.then(() => false)]);
  if (!ready) throw new Error(`the bot exited before it was ready:\n${log}`);
  // The bot logs in first, then loads (here: builds) the index, and logs `ready as` once it answers.
  for (let waited = 0; !log.includes('ready as') && child.exitCode === null && waited < 60_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    emulator,
    child,
    corpusDir,
    indexDir,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      await emulator.stop();
      await rm(work, { recursive: true, force: true });
      return code;
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
