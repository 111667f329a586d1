import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageFlags, PermissionFlagsBits, type APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, ROOT, startBot, type MessageBody, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();
const ARTICLE = 'budapest-summit-cancelled.txt';
const TOO_OLD = /That answer is too old to expand \(or the index has changed since\)/;

/**
 * "Show passages" reads the quotes' references from the button's custom id, so it works on an
 * answer given before the bot restarted, and after a reindex that leaves the quoted article
 * unchanged; once the article changes it says the answer is too old.
 */
describe('Show passages across a restart and reindexes, against the Discord API emulator', () => {
  let work: string;
  let env: Record<string, string>;
  let bot: RunningBot | undefined;
  let answer: { message: APIMessage; customId: string };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-passages-'));
    env = { CORPUS_DIR: path.join(work, 'corpus'), INDEX_DIR: path.join(work, 'index'), DATA_DIR: path.join(work, 'data') };
    await cp(path.join(ROOT, 'corpus'), env.CORPUS_DIR!, { recursive: true });
  });

  afterAll(async () => {
    if (bot) expect(await bot.stop()).toBe(0);
    await rm(work, { recursive: true, force: true });
  });

  async function press(customId: string, message: APIMessage): Promise<MessageBody> {
    const button = await bot!.emulator.sendButton({ customId, message, user: { id: snowflake() } });
    return bodyOf(await bot!.emulator.waitForCallback(button.id, 10_000));
  }

  async function reindex(): Promise<string> {
    const interaction = await bot!.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    const summary = await bot!.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' && request.route.includes(interaction.token) && String((request.body as MessageBody).content).includes('Reindexed in'),
      60_000,
    );
    return String((summary.body as MessageBody).content);
  }

  it('answers /ask, then the bot stops', async () => {
    bot = await startBot({ env });
    const interaction = await bot.emulator.sendChatInput({
      commandName: 'ask',
      options: { question: 'What did Rubio tell Trump?' },
      user: { id: snowflake() },
    });
    const edit = bodyOf(await bot.emulator.waitForOriginalEdit(interaction.id, 10_000));
    const button = edit.components![0]!.components[0]!;
    expect(button.label).toBe('Show passages');
    expect(button.custom_id!.length).toBeLessThanOrEqual(100);
    answer = { message: bot.emulator.originalMessage(interaction.id)!, customId: button.custom_id! };
    expect(await bot.stop()).toBe(0);
    bot = undefined;
  }, 120_000);

  it('shows the passages of that answer after a restart on the same index', async () => {
    bot = await startBot({ env });
    expect(bot.log()).not.toMatch(/no index yet/);
    const reply = await press(answer.customId, answer.message);
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content ?? '').not.toMatch(TOO_OLD);
    expect(reply.embeds![0]!.description).toContain('**After Rubio told Trump that Moscow showed “no willingness to negotiate,”');
  }, 120_000);

  it('still shows them after a reindex that adds another article and leaves this one unchanged', async () => {
    await writeFile(path.join(env.CORPUS_DIR!, 'another.txt'), 'An unrelated article. It talks about the weather in Lisbon, which was mild.\n');
    expect(await reindex()).toMatch(/Added 1 · changed 0 · removed 0 · unchanged 1/);
    const reply = await press(answer.customId, answer.message);
    expect(reply.embeds![0]!.description).toContain('**After Rubio told Trump that Moscow showed “no willingness to negotiate,”');
  }, 120_000);

  it('says the answer is too old once its article has changed', async () => {
    await appendFile(path.join(env.CORPUS_DIR!, ARTICLE), '\nA sentence added later.\n');
    expect(await reindex()).toMatch(/changed 1/);
    const reply = await press(answer.customId, answer.message);
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content).toMatch(TOO_OLD);
  }, 120_000);
});
