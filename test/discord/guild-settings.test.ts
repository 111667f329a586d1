import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { startBot, type RunningBot } from './bot-harness.js';

const ALLOWED_CHANNEL = '300000000000000003';
const MODERATOR_ROLE = '400000000000000004';
const MEMBER = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages).toString();

/** A bot whose guild is cached (GUILD_CREATE, as in production) with channel and role settings. */
describe('ALLOWED_CHANNEL_IDS and MODERATOR_ROLE_IDS', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot({
      env: { ALLOWED_CHANNEL_IDS: ALLOWED_CHANNEL, MODERATOR_ROLE_IDS: MODERATOR_ROLE },
      emulator: { sendGuildCreate: true, channelId: ALLOWED_CHANNEL, guildRoles: [{ id: MODERATOR_ROLE, name: 'Moderator', permissions: MEMBER }] },
    });
  }, 120_000);
  afterAll(async () => {
    await bot?.stop();
  });

  it('answers /ask in an allowed channel and points elsewhere to it', async () => {
    const allowed = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Why is peace elusive?' } });
    expect((await bot.emulator.waitForOriginalEdit(allowed.id)).body).toMatchObject({ allowed_mentions: { parse: [] } });
    const elsewhere = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Why is peace elusive?' }, channelId: '300000000000000099' });
    const reply = (await bot.emulator.waitForCallback(elsewhere.id)).body as { type: number; data: { content: string; flags: number } };
    expect(reply.type).toBe(4);
    expect(reply.data.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.data.content).toBe(`I answer questions in <#${ALLOWED_CHANNEL}>. Ask there, please.`);
  });

  it('lets a member with a moderator role reindex, without Manage Server', async () => {
    const interaction = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MEMBER, roles: [MODERATOR_ROLE] });
    const summary = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.route.includes(interaction.token) &&
        String((request.body as { content?: string }).content).includes('Reindexed in'),
      30_000,
    );
    expect((summary.body as { content: string }).content).toMatch(/unchanged 1/);
  }, 60_000);

  it('refuses a member with other roles', async () => {
    const interaction = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MEMBER, roles: ['400000000000000005'] });
    const reply = (await bot.emulator.waitForCallback(interaction.id)).body as { data: { content: string } };
    expect(reply.data.content).toMatch(/Only moderators/);
  });
});
