import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireIndexLock, type LockHolder } from '../../../src/core/index/index-lock.js';

describe('acquireIndexLock', () => {
  let work: string;
  let indexDir: string;
  let lockFile: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-lock-'));
    indexDir = path.join(work, 'index');
    lockFile = path.join(work, '.index.lock');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('keeps a second build waiting, tells it who holds the lock, and lets it in on release', async () => {
    const release = await acquireIndexLock(indexDir, { command: 'npm run index' });
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, command: 'npm run index' });
    let waitedFor: LockHolder | undefined;
    let secondHasIt = false;
    const second = acquireIndexLock(indexDir, { command: '/reindex', pollMs: 20, onWait: (holder) => (waitedFor = holder) }).then((releaseSecond) => {
      secondHasIt = true;
      return releaseSecond;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondHasIt).toBe(false);
    expect(waitedFor).toMatchObject({ pid: process.pid, command: 'npm run index' });
    await release();
    const releaseSecond = await second;
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ command: '/reindex' });
    await releaseSecond();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('takes over a lock left by a process that is no longer running', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(
      lockFile,
      JSON.stringify({ pid: Number(dead.stdout), hostname: os.hostname(), command: 'npm run index', since: '2026-01-01T00:00:00.000Z' }),
    );
    let waited = false;
    const release = await acquireIndexLock(indexDir, { command: 'npm run index', pollMs: 20, onWait: () => (waited = true) });
    expect(waited).toBe(false);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
  });

  it('takes over a lock file left empty (its writer died, or the disk was full) once it is old', async () => {
    await writeFile(lockFile, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile, old, old);
    const release = await acquireIndexLock(indexDir, { command: 'npm run index', pollMs: 20 });
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
  });

  it('releasing never removes a lock that is no longer its own', async () => {
    const release = await acquireIndexLock(indexDir, { command: 'npm run index' });
    const other = { pid: 1, hostname: os.hostname(), command: '/reindex', since: new Date().toISOString() };
    await writeFile(lockFile, JSON.stringify(other));
    await release();
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toEqual(other);
  });
});
