import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/core/paths.js';

/** The repository root. */
export const ROOT = projectRoot();

/** Entry points that `npm run build` also bundles into one file each (scripts/bundle.mjs), which their npm scripts run. */
const BUNDLED = new Set(['cli/ask', 'cli/start']);

/**
 * The compiled script of an entry point, as its npm script runs it: `cli/ask` is
 * dist/bundle/ask.js and `cli/index-command` dist/src/cli/index-command.js (`npm run build`),
 * `bench/cli` is dist-dev/bench/cli.js (`npm run build:dev`).
 */
export function entryScript(entry: string): string {
  if (entry.startsWith('bench/')) return path.join(ROOT, 'dist-dev', `${entry}.js`);
  return BUNDLED.has(entry) ? path.join(ROOT, 'dist/bundle', `${path.basename(entry)}.js`) : path.join(ROOT, 'dist/src', `${entry}.js`);
}

/**
 * Runs an entry point the way its npm script does (`node dist/…/<entry>.js`), with only the
 * given environment (plus PATH, HOME and the shared word-vector cache).
 */
export function spawnEntry(entry: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [entryScript(entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CACHE_DIR: path.join(ROOT, 'data/cache'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs an entry point to its end, feeding `input` on stdin; resolves with its exit code and output. */
export function runEntry(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnEntry(entry, env, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
