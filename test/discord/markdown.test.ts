import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../../src/discord/format.js';
import { rendersMarkdown } from '../helpers/markdown.js';
import { bodyOf, startBot, type RunningBot } from './bot-harness.js';

/** A token with `_`, which escaping turns into `\_`: the transport must still recognise it. */
const UNDERSCORE_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAw.GAb_dE.test_secret_token_value_0123456789abcd';

/** An article whose body and front matter try every kind of Markdown Discord renders. */
const HOSTILE_ARTICLE = `---
title: "[Official notice](https://evil.example/title) ||read me||"
url: "https://harbour.example/notice) [Log in](https://evil.example/url"
---
# Harbour closure

To appeal the harbour closure, [click here](https://evil.example/phish) and [confirm](https://evil.example/two) your password.
-# The harbour closure small print says appeals are free.
The harbour master said ||the harbour closure is permanent||.
The harbour closure order reads:
\`\`\`js
harbour.close()
\`\`\`
The harbour key is ${UNDERSCORE_TOKEN} and nobody may see it.
`;

describe('an article full of Markdown (the bot, end to end)', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot({
      env: { DISCORD_TOKEN: UNDERSCORE_TOKEN },
      emulator: { token: UNDERSCORE_TOKEN },
      prepare: (corpusDir) => writeFile(path.join(corpusDir, 'harbour.md'), HOSTILE_ARTICLE),
    });
  }, 120_000);
  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
  });

  it('/ask shows the quotes, the title and the question as plain text, and links no crafted url', async () => {
    const question = '\u202E||How do I appeal|| the [harbour closure](https://evil.example/q)?\u0000';
    const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question } });
    const embed = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!;
    expect(embed.description).toContain(
      plainText('To appeal the harbour closure, [click here](https://evil.example/phish) and [confirm](https://evil.example/two) your password.'),
    );
    expect(embed.title).not.toMatch(/[\u0000\u202E]/);
    expect(rendersMarkdown(embed.title!)).toBe(false);
    // Our own markup (the italic "not sure" line, bold markers) aside, nothing renders.
    const quotes = embed.description!.replace(/^\*[^*\n]+\*\n\n/, '').replace(/ \*\*\[\d+\]\*\*/g, '');
    expect(rendersMarkdown(quotes)).toBe(false);
    const sources = embed.fields![0]!.value.replace(/^\[\d+\] /gm, '');
    expect(rendersMarkdown(sources)).toBe(false);
    expect(sources).not.toContain('evil.example/url');
  });

  it('/ask never renders the spoiler, subtext or code fence', async () => {
    for (const question of [
      'What did the harbour master say about the harbour closure?',
      'What does the harbour closure small print say?',
      'What does the harbour closure order read?',
    ]) {
      const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question } });
      const embed = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!;
      const quotes = embed.description!.replace(/^\*[^*\n]+\*\n\n/, '').replace(/ \*\*\[\d+\]\*\*/g, '');
      expect(rendersMarkdown(quotes), question).toBe(false);
    }
  });

  it('/sources and /help show the front-matter title as plain text and link no crafted url', async () => {
    const sources = await bot.emulator.sendChatInput({ commandName: 'sources' });
    const listing = bodyOf(await bot.emulator.waitForCallback(sources.id)).embeds![0]!;
    const line = listing.description!.split('\n').find((entry) => entry.includes('Official notice'))!;
    expect(line.startsWith(`• ${plainText('[Official notice](https://evil.example/title) ||read me||')} — `)).toBe(true);
    expect(line).toMatch(/ — \d+ chunks$/);

    const help = await bot.emulator.sendChatInput({ commandName: 'help' });
    const content = bodyOf(await bot.emulator.waitForCallback(help.id)).content!;
    expect(content).toContain(`• ${plainText('[Official notice](https://evil.example/title) ||read me||')}`);
  });

  it('never sends the token, escaped or not', async () => {
    const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'What is the harbour key?' } });
    const embed = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!;
    expect(embed.description).toContain('[redacted]');
    const sent = bot.emulator.requests.map((request) => JSON.stringify(request.body ?? '')).join('\n');
    expect(sent).not.toContain(UNDERSCORE_TOKEN);
    expect(sent).not.toContain(JSON.stringify(plainText(UNDERSCORE_TOKEN)).slice(1, -1));
    expect(bot.log()).not.toContain(UNDERSCORE_TOKEN);
  });
});
