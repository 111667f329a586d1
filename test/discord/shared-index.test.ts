import { writeFile } from 'node:fs/promises';
import path from 'node:path';
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
