import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { acquireIndexLock } from '../../src/core/index/index-lock.js';
import { spawnEntry } from '../helpers/entry.js';
import { bodyOf, runEntry, startBot } from './bot-harness.js';

const LIGHTHOUSE = 'The lighthouse keeper on Skerry Point counted forty-two gulls on the morning of the storm.\n';

async function waitForLog(log: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  for (let waited = 0; !pattern.test(log()) && waited < timeoutMs; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('one index shared by the CLI and the bot', () => {
  it('answers from an index `npm run index` saved while the bot runs, without a restart', async () => {
    const bot = await startBot();
    try {
      await writeFile(path.join(bot.corpusDir, 'lighthouse.txt'), LIGHTHOUSE);
      const build = await runEntry('cli/index-command', { CORPUS_DIR: bot.corpusDir, INDEX_DIR: bot.indexDir });
      expect(build.code).toBe(0);
      await waitForLog(bot.log, /index reloaded: another process saved a new index/, 15_000);
      expect(bot.log()).toMatch(/index reloaded: another process saved a new index in .* \(2 documents\)/);

      const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'How many gulls did the lighthouse keeper count?' } });
      const answer = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000));
      expect(JSON.stringify(answer)).toContain('counted forty-two gulls on the morning of the storm');
    } finally {
      await bot.stop();
    }
  }, 120_000);
});

describe('two builds of one index', () => {
  it('never write at once: a build waits for the one holding the index, says for whom, and both leave a loadable index', async () => {
    const bot = await startBot();
    try {
      const env = { CORPUS_DIR: bot.corpusDir, INDEX_DIR: bot.indexDir };
      // Held here as another process's build would hold it, so that the overlap is certain.
      let release = await acquireIndexLock(bot.indexDir, { command: 'a build in the test' });
      await writeFile(path.join(bot.corpusDir, 'late.txt'), 'A late note says the ferry left at dawn.\n');
      const cli = spawnEntry('cli/index-command', env);
      let cliErr = '';
      cli.stderr!.on('data', (chunk: Buffer) => (cliErr += chunk.toString()));
      const cliExit = new Promise<number | null>((resolve) => cli.on('close', resolve));
      await waitForLog(() => cliErr, /Waiting for it to finish/, 30_000);
      expect(cliErr).toMatch(/Another build of this index is running: a build in the test \(pid \d+, since [^)]+\)\. Waiting for it to finish/);
      await release();
      expect(await cliExit).toBe(0);

      release = await acquireIndexLock(bot.indexDir, { command: 'a build in the test' });
      const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: PermissionFlagsBits.ManageGuild.toString() });
      await bot.emulator.waitForRequest(
        (request) =>
          request.method === 'PATCH' &&
          request.route.includes(reindex.token) &&
          String(bodyOf(request).content).includes('Waiting for another build of the index to finish: a build in the test'),
        30_000,
      );
      await release();
      await bot.emulator.waitForRequest(
        (request) => request.method === 'PATCH' && request.route.includes(reindex.token) && String(bodyOf(request).content).includes('Reindexed in'),
        60_000,
      );

      // Two at once, unaided: both finish and the index they leave answers.
      await writeFile(path.join(bot.corpusDir, 'later.txt'), 'A later note says the harbour closed at dusk.\n');
      const [first, second] = await Promise.all([runEntry('cli/index-command', env), runEntry('cli/index-command', env)]);
      expect([first.code, second.code]).toEqual([0, 0]);
      const check = await runEntry('cli/ask', env, ['--json', 'When did the ferry leave?']);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('the ferry left at dawn');
    } finally {
      await bot.stop();
    }
  }, 180_000);
});
