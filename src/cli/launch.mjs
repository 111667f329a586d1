#!/usr/bin/env node
// Runs a compiled entry point (`node src/cli/launch.mjs cli/ask …`), compiling first when any
// TypeScript source is newer than the last build. Plain JavaScript so that `npm run …` works
// straight after `npm ci`. Without an entry point it only builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stamp = path.join(root, 'dist', '.built');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function lastBuild() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(
  ...['src', 'commands', 'test'].map((dir) => newestSource(path.join(root, dir))),
  statSync(path.join(root, 'tsconfig.json')).mtimeMs,
  statSync(path.join(root, 'package.json')).mtimeMs,
);
if (sources >= lastBuild()) {
  process.stderr.write('Compiling TypeScript…\n');
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (tsc.status !== 0) {
    process.stderr.write('The TypeScript build failed (see above).\n');
    process.exit(tsc.status ?? 1);
  }
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
}

const [entry, ...args] = process.argv.slice(2);
if (entry !== undefined) {
  const file = path.join(root, 'dist', 'src', `${entry}.js`);
  if (!existsSync(file)) {
    process.stderr.write(`No such entry point: ${entry}\n`);
    process.exit(2);
  }
  const module = await import(pathToFileURL(file).href);
  process.exitCode = await module.main(args);
}
