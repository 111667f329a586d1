import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TEST_APPLICATION_ID, TEST_TOKEN } from './bot-harness.js';
import { DiscordEmulator } from './emulator.js';

/** Processes whose environment holds `marker`: the bot, however it was started. */
async function processesMarked(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`VERBATIM_TEST_MARKER=${marker}`)) pids.push(Number(entry));
  }
  return pids;
}

describe('npm start and signals', () => {
  it('SIGTERM to the process `npm start` started ends the bot within 5 s, with a clean last line and nothing left running', async () => {
    const emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID }).start();
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-signals-'));
    const marker = path.basename(work);
    try {
      const npm = spawn('npm', ['start'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DISCORD_TOKEN: TEST_TOKEN,
          DISCORD_CLIENT_ID: TEST_APPLICATION_ID,
          DISCORD_API_BASE: emulator.apiBase,
          CORPUS_DIR: path.join(ROOT, 'corpus'),
          INDEX_DIR: path.join(work, 'index'),
          CACHE_DIR: path.join(ROOT, 'data/cache'),
          VERBATIM_TEST_MARKER: marker,
        },
      });
      let log = '';
      npm.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
      npm.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const closed = new Promise<void>((resolve) => npm.on('close', () => resolve()));
      for (let waited = 0; !log.includes('ready as') && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(log).toContain('ready as');

      const signalled = Date.now();
      npm.kill('SIGTERM');
      await closed;
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect(log).toMatch(/INFO {2}SIGTERM: shutting down\n.*INFO {2}stopped\n$/);
      expect(await processesMarked(marker)).toEqual([]);
    } finally {
      await emulator.stop();
      await rm(work, { recursive: true, force: true });
    }
  }, 90_000);
});
