/** Child processes of `npm run bench`: build workers, timed CLI runs, and the bot against the Discord emulator. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The tests' map of entry points to the files their npm scripts run: the bench times the same files.
import { entryScript, ROOT } from '../test/helpers/entry.js';
import { summarize, type LatencySummary } from './stats.js';
import type { WorkerJob, WorkerResult } from './worker.js';
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
/** The test suite's Discord API emulator, compiled by `npm run build:dev`. */
const EMULATOR = path.join(ROOT, 'dist-dev/test/discord/emulator.js');

/**
 * Every variable the configuration reads, empty unless set here: `.env` never overrides a
 * variable that is already set, so the children run with exactly this configuration.
 */
export function childEnv(settings: Record<string, string>): Record<string, string> {
  const keys = [
    'DISCORD_TOKEN',
    'DISCORD_CLIENT_ID',
    'DISCORD_GUILD_ID',
    'MODERATOR_ROLE_IDS',
    'ALLOWED_CHANNEL_IDS',
    'ASK_RATE_LIMIT',
    'DISCORD_API_BASE',
    'DISCORD_GLOBAL_REQUESTS_PER_SECOND',
    'CORPUS_DIR',
    'INDEX_DIR',
    'CACHE_DIR',
    'MAX_QUOTES',
    'OPENAI_BASE_URL',
    'OPENAI_API_KEY',
    'EMBEDDINGS_MODEL',
  ];
  return {
    ...Object.fromEntries(keys.map((key) => [key, ''])),
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    EMBEDDINGS: 'local',
    ...settings,
  };
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { stdout: () => stdout, stderr: () => stderr, exit };
}

/** Runs a build worker in its own process and returns its figures. */
export async function runWorker<T extends WorkerResult>(job: WorkerJob): Promise<T> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  const code = await output.exit;
  const last = output.stdout().trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`the bench worker (${job.mode}) failed with exit code ${code}:\n${output.stderr()}`);
  return JSON.parse(last) as T;
}

/** One timed run of a command: spawn → first byte of its own output on stdout, spawn → exit. */
export interface TimedRun {
  firstByteMs: number;
  exitMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Where the output of the script starts in what `npm run` printed: after the banner npm writes
 * first on the same stdout (`\n> verbatim@0.1.0 ask\n> exec node …\n\n`); `undefined` while the
 * banner is incomplete. No banner (`--silent`): 0.
 */
export function afterNpmBanner(stdout: string): number | undefined {
  if (!stdout.startsWith('\n> ')) return stdout.length > 0 ? 0 : undefined;
  const end = stdout.indexOf('\n\n', 1);
  return end === -1 ? undefined : end + 2;
}

/**
 * Runs a command, timing it. `ownOutput` says where the command's own output starts in its
 * stdout (past a launcher's banner), so that the first-byte time is the answer's.
 */
export async function timeCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; ownOutput?: (stdout: string) => number | undefined },
): Promise<TimedRun> {
  const ownOutput = options.ownOutput ?? ((stdout: string) => (stdout.length > 0 ? 0 : undefined));
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Listening after `collect`, which has already appended the chunk to `output.stdout()`.
  const output = collect(child);
  let firstByteMs = Number.NaN;
  const onData = () => {
    const stdout = output.stdout();
    const start = ownOutput(stdout);
    if (start === undefined || stdout.length <= start) return;
    firstByteMs = performance.now() - started;
    child.stdout.off('data', onData);
  };
  child.stdout.on('data', onData);
  const code = await output.exit;
  const exitMs = performance.now() - started;
  return { firstByteMs, exitMs, code, stdout: output.stdout(), stderr: output.stderr() };
}

/** Runs the `node dist/…/<entry>.js …args` an npm script executes, timing it. */
export function timeEntry(entry: string, env: Record<string, string>, args: string[]): Promise<TimedRun> {
  return timeCommand(process.execPath, [entryScript(entry), ...args], { cwd: ROOT, env });
}

/** Runs `npm run <script> -- …args` in `cwd` as a user types it (npm's banner included), timing it. */
export function timeNpmRun(script: string, env: Record<string, string>, args: string[] = [], cwd = ROOT): Promise<TimedRun> {
  return timeCommand('npm', ['run', script, ...(args.length > 0 ? ['--', ...args] : [])], { cwd, env, ownOutput: afterNpmBanner });
}

/** Peak and current resident set size of a process, in MB, from /proc (Linux only). */
export function processMemory(pid: number): { peakMb: number; currentMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
    const peakMb = field('VmHWM');
    return Number.isFinite(peakMb) ? { peakMb, currentMb: field('VmRSS') } : undefined;
  } catch {
    return undefined;
  }
}

// ---- the bot against the Discord emulator ---------------------------------------------------

/** The part of the test suite's `DiscordEmulator` (test/discord/emulator.ts) the benchmark drives. */
export interface Emulator {
  readonly apiBase: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  waitForReady(timeoutMs: number): Promise<unknown>;
  sendChatInput(options: {
    commandName: string;
    options?: Record<string, string>;
    user?: { id: string };
    permissions?: string;
  }): Promise<{ id: string; token: string }>;
  waitForCallback(interactionId: string, timeoutMs: number): Promise<{ status?: number }>;
  waitForOriginalEdit(interactionId: string, timeoutMs: number): Promise<{ body: unknown }>;
  waitForRequest(
    predicate: (request: { method: string; route: string; body: unknown; at: number }) => boolean,
    timeoutMs: number,
  ): Promise<{ body: unknown; at: number }>;
  interactionTiming(interactionId: string): {
    dispatchedAt: number | undefined;
    originalEditLatencyMs: number | undefined;
    callbackLatencyMs: number | undefined;
  };
}

interface EmulatorModule {
  DiscordEmulator: new (options: { token: string; applicationId: string; callbackDeadlineMs?: number }) => Emulator;
  snowflake(): string;
}

/** Shaped like a bot token so the configuration accepts it; the emulator checks it. */
const BENCH_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.bench-token-value-0123456789abcdefgh';
const BENCH_APPLICATION_ID = '100000000000000002';

/** The compiled bot and emulator, when both exist. */
export function discordAvailability(): { available: true } | { available: false; reason: string } {
  if (!existsSync(entryScript('cli/start'))) return { available: false, reason: 'bot not built (no dist/bundle/start.js: npm run build)' };
  if (!existsSync(EMULATOR)) return { available: false, reason: 'emulator not built (no dist-dev/test/discord/emulator.js: npm run build:dev)' };
  return { available: true };
}

export interface DiscordFigures {
  /** Spawn → the bot logged that it is ready (index loaded, gateway connected): the median of `starts`. */
  readyMs: number;
  starts?: number;
  /** INTERACTION_CREATE written to the gateway → first `@original` edit received. */
  edit: LatencySummary;
  /** INTERACTION_CREATE → first interaction callback (the deferral). */
  callback: LatencySummary;
  warmup: number;
  failures: number;
  /** VmHWM / VmRSS of the bot after the questions (undefined off Linux). */
  peakRssMb?: number;
  rssMb?: number;
}

/** The bot running against the emulator, as `npm start` runs it. */
export interface BenchBot {
  emulator: Emulator;
  snowflake(): string;
  pid: number | undefined;
  /** Spawn → the bot logged that it is ready (index loaded, gateway connected). */
  readyMs: number;
  /** Everything the bot has logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts the Discord emulator and the bot (`node dist/bundle/start.js`, as
 * `npm start` runs it) on the given corpus and index; resolves once the bot is ready. The
 * rate limit is lifted so that the benchmark's questions are never refused.
 */
export async function startBenchBot(options: {
  corpusDir: string;
  indexDir: string;
  cacheDir: string;
  callbackDeadlineMs?: number;
  readyTimeoutMs?: number;
}): Promise<BenchBot> {
  const module = (await import(pathToFileURL(EMULATOR).href)) as EmulatorModule;
  const emulator = new module.DiscordEmulator({
    token: BENCH_TOKEN,
    applicationId: BENCH_APPLICATION_ID,
    ...(options.callbackDeadlineMs !== undefined ? { callbackDeadlineMs: options.callbackDeadlineMs } : {}),
  });
  await emulator.start();
  const started = performance.now();
  const child = spawn(process.execPath, [entryScript('cli/start')], {
    cwd: ROOT,
    env: childEnv({
      DISCORD_TOKEN: BENCH_TOKEN,
      DISCORD_CLIENT_ID: BENCH_APPLICATION_ID,
      DISCORD_API_BASE: emulator.apiBase,
      DISCORD_GLOBAL_REQUESTS_PER_SECOND: '10000',
      ASK_RATE_LIMIT: '10000/1',
      CORPUS_DIR: options.corpusDir,
      INDEX_DIR: options.indexDir,
      CACHE_DIR: options.cacheDir,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const log = () => output.stdout() + output.stderr();
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5_000);
    await output.exit.catch(() => undefined);
    clearTimeout(timer);
    await emulator.stop();
  };
  try {
    const ready = await Promise.race([emulator.waitForReady(options.readyTimeoutMs ?? 120_000).then(() => true), output.exit.then(() => false)]);
    if (!ready) throw new Error(`the bot exited before it was ready:\n${log()}`);
    // Logged in first, the bot then loads its index: `ready as` says it answers.
    const deadline = performance.now() + (options.readyTimeoutMs ?? 120_000);
    while (!log().includes('ready as') && child.exitCode === null && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  } catch (error) {
    await stop();
    throw error;
  }
  return { emulator, snowflake: module.snowflake, pid: child.pid, readyMs: performance.now() - started, log, stop };
}

/**
 * Sends `/ask` interactions to the bot one after another (each from a new member, so the
 * rate limit never answers instead), and times INTERACTION_CREATE → edited answer.
 */
export async function benchDiscord(options: {
  corpusDir: string;
  indexDir: string;
  cacheDir: string;
  questions: string[];
  count: number;
  warmup: number;
  /** Times the bot is started, the last one answering: one start varies by a tenth of a second here. */
  starts: number;
}): Promise<DiscordFigures> {
  const readyTimes: number[] = [];
  for (let start = 1; start < options.starts; start++) {
    const started = await startBenchBot(options);
    readyTimes.push(started.readyMs);
    await started.stop();
  }
  const bot = await startBenchBot(options);
  readyTimes.push(bot.readyMs);
  const { emulator } = bot;
  try {
    const edits: number[] = [];
    const callbacks: number[] = [];
    let failures = 0;
    for (let i = 0; i < options.warmup + options.count; i++) {
      const question = options.questions[i % options.questions.length]!;
      try {
        const interaction = await emulator.sendChatInput({ commandName: 'ask', options: { question }, user: { id: bot.snowflake() } });
        await emulator.waitForOriginalEdit(interaction.id, 10_000);
        const timing = emulator.interactionTiming(interaction.id);
        if (i >= options.warmup && timing.originalEditLatencyMs !== undefined) {
          edits.push(timing.originalEditLatencyMs);
          if (timing.callbackLatencyMs !== undefined) callbacks.push(timing.callbackLatencyMs);
        }
      } catch (error) {
        if (++failures >= 3) throw new Error(`/ask failed 3 times (last: ${(error as Error).message}); bot log:\n${bot.log().slice(-2000)}`);
      }
    }
    const memory = bot.pid !== undefined ? processMemory(bot.pid) : undefined;
    const figures: DiscordFigures = {
      readyMs: summarize(readyTimes).p50,
      starts: readyTimes.length,
      edit: summarize(edits),
      callback: summarize(callbacks),
      warmup: options.warmup,
      failures,
    };
    if (memory) {
      figures.peakRssMb = memory.peakMb;
      figures.rssMb = memory.currentMb;
    }
    return figures;
  } finally {
    await bot.stop();
  }
}
