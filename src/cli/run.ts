import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type Config } from '../config/config.js';
import { isVerbatimError, referenceId } from '../core/errors.js';
import { describeError } from './errors.js';
import { CONVERSION_NOTICE, createEmbeddings } from '../core/index/embeddings/factory.js';
import type { DescribedEmbeddings } from '../core/index/embeddings/provider.js';
import { progressCounts, type BuildProgress } from '../core/index/build.js';
import { Verbatim } from '../core/service.js';
import { VERSION } from '../core/version.js';

/**
 * Runs a command's `main` when its module is the program Node was started with (`node
 * dist/src/cli/ask.js …`, which every npm script runs directly, so that signals reach the
 * process), and not when a test or the benchmark imports it.
 */
export function runAsProgram(moduleUrl: string, main: (args: string[]) => Promise<number>): void {
  const program = process.argv[1];
  if (program === undefined || pathToFileURL(realpathSync(program)).href !== moduleUrl) return;
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}

/** Exit codes of every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Bad command-line use: the message and the usage text are printed, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--help` / `-h` was given: the usage is printed and the command exits 0. */
class HelpRequested extends Error {}

/** `--version` was given: the version is printed and the command exits 0. */
class VersionRequested extends Error {}

const COMMON_FLAGS = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } as const;

/**
 * Parses flags strictly: an unknown flag, a missing value, or a positional argument where
 * the command takes none is a {@link UsageError}. Every command also takes `--help` and `--version`.
 */
export function parseFlags<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, { positionals = false } = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...COMMON_FLAGS }, allowPositionals: true as const, strict: true as const });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const common = parsed.values as { help?: boolean; version?: boolean };
  if (common.help) throw new HelpRequested();
  if (common.version) throw new VersionRequested();
  if (!positionals && parsed.positionals.length > 0) throw new UsageError(`Unexpected argument: ${parsed.positionals[0]}`);
  return parsed;
}

/** A one-line progress writer for stderr: rewrites itself on a terminal, prints only the end otherwise. */
export function progressLine(label: string): { update: (progress: BuildProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    update(progress) {
      if (progress.phase === 'waiting') {
        // Printed whether or not on a terminal: a build that seems to hang must say why.
        process.stderr.write(`Another build of this index is running: ${progress.waitingFor}. Waiting for it to finish…\n`);
        return;
      }
      last = `${label}: ${progressCounts(progress)}`;
      if (tty) process.stderr.write(`\r\x1b[2K${last}`);
    },
    done() {
      if (tty && last) process.stderr.write('\n');
    },
  };
}

/** The configured embeddings for a CLI command, saying on stderr when the word vectors are converted first (with a percentage on a terminal). */
export function openEmbeddings(config: Config): Promise<DescribedEmbeddings> {
  const notice = `First run: ${CONVERSION_NOTICE}…`;
  const tty = process.stderr.isTTY;
  return createEmbeddings(config.embeddings, (fraction) => {
    if (tty) process.stderr.write(`\r\x1b[2K${notice} ${Math.round(fraction * 100)} %${fraction === 1 ? '\n' : ''}`);
    else if (fraction === 0) process.stderr.write(`${notice}\n`);
  });
}

/**
 * Opens the core for a CLI command from the configuration: embeddings (converting the
 * vectors on first use) and the index (building it when missing), reporting on stderr.
 */
export async function openVerbatim(config: Config): Promise<Verbatim> {
  const embeddings = await openEmbeddings(config);
  const progress = progressLine('No index yet, building it');
  const verbatim = await Verbatim.open(
    {
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      embeddings,
      answer: { maxQuotes: config.maxQuotes },
      onLeftovers: (line) => process.stderr.write(`${line}\n`),
    },
    progress.update,
  );
  progress.done();
  return verbatim;
}

/**
 * Runs a command's body and turns what it throws into an exit code and a clear message:
 * usage → 2 with the usage text, configuration → 2 with every problem, the core's own
 * errors → 1 with their message, anything else → 1 with a reference id and the details.
 */
export async function runCommand(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${usage}\n`);
      return EXIT.ok;
    }
    if (error instanceof VersionRequested) {
      process.stdout.write(`verbatim ${VERSION}\n`);
      return EXIT.ok;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    if (isVerbatimError(error)) {
      process.stderr.write(`Error: ${describeError(error)}\n`);
      return EXIT.failure;
    }
    const ref = referenceId();
    process.stderr.write(`Unexpected error (ref ${ref}): ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}
