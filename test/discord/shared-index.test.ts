import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
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
  it('never write at once: the second waits, says for whom, and both leave a loadable index', async () => {
    const bot = await startBot();
    try {
      for (let i = 0; i < 30; i++) await writeFile(path.join(bot.corpusDir, `note-${i}.txt`), `Note ${i} says the harbour master logged ${i} ships arriving before noon.\n`);
      const env = { CORPUS_DIR: bot.corpusDir, INDEX_DIR: bot.indexDir };
      const [first, second] = await Promise.all([runEntry('cli/index-command', env), runEntry('cli/index-command', env)]);
      expect([first.code, second.code]).toEqual([0, 0]);
      expect(first.stderr + second.stderr).toMatch(/Another build of this index is running: npm run index \(pid \d+, since [^)]+\)\. Waiting for it to finish/);

      // A /reindex beside an `npm run index` waits for it the same way.
      await writeFile(path.join(bot.corpusDir, 'late.txt'), 'A late note says the ferry left at dawn.\n');
      const cli = runEntry('cli/index-command', env);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: PermissionFlagsBits.ManageGuild.toString() });
      expect((await cli).code).toBe(0);
      await bot.emulator.waitForRequest((request) => request.method === 'PATCH' && request.route.includes(reindex.token) && /Reindexed in/.test(String(bodyOf(request).content)), 60_000);

      const check = await runEntry('cli/ask', env, ['--json', 'When did the ferry leave?']);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('the ferry left at dawn');
    } finally {
      await bot.stop();
    }
  }, 180_000);
});
