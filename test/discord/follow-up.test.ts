import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelType, MessageFlags, type APIMessage } from 'discord.js';
import { bodyOf, startBot, type MessageBody, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

/** The one channel ALLOWED_CHANNEL_IDS allows; threads in it are allowed too. */
const CHANNEL = snowflake();
const THREAD = snowflake();
const ELSEWHERE = snowflake();

interface ModalCallback {
  type: number;
  data: { custom_id: string; title: string; components: { components: { type: number; custom_id: string; max_length?: number; required?: boolean }[] }[] };
}

const start = () => startBot({ env: { ALLOWED_CHANNEL_IDS: CHANNEL }, emulator: { channelId: CHANNEL, sendGuildCreate: true } });

describe('follow-ups and "Find in articles" with the real discord.js client against the emulator', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await start();
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
  });

  /** /ask in a channel; returns the answer message as Discord stores it. */
  async function ask(
    question: string,
    where: { channelId?: string; channelType?: ChannelType.PublicThread; parentId?: string; private?: boolean } = {},
  ): Promise<APIMessage> {
    const { private: isPrivate, ...channel } = where;
    const interaction = await bot.emulator.sendChatInput({
      commandName: 'ask',
      options: { question, ...(isPrivate ? { private: true } : {}) },
      user: { id: snowflake() },
      ...channel,
    });
    await bot.emulator.waitForOriginalEdit(interaction.id, 10_000);
    return bot.emulator.originalMessage(interaction.id)!;
  }

  /** Presses "Follow up" under `answer`, submits `text` in the modal, and returns the callback and the follow-up's answer. */
  async function followUp(
    running: RunningBot,
    answer: APIMessage,
    text: string,
    where: { channelId?: string; channelType?: ChannelType.PublicThread; parentId?: string; dm?: boolean } = {},
  ) {
    const customId = answer
      .components!.flatMap((row) => (row as { components: { custom_id: string; label: string }[] }).components)
      .find((button) => button.label === 'Follow up')!.custom_id;
    const user = { id: snowflake() };
    const pressed = await running.emulator.sendButton({ customId, message: answer, user, ...where });
    const modal = (await running.emulator.waitForCallback(pressed.id)).body as ModalCallback;
    const submitted = await running.emulator.sendModalSubmit({
      customId: modal.data.custom_id,
      fields: { [modal.data.components[0]!.components[0]!.custom_id]: text },
      message: answer,
      user,
      ...where,
    });
    const deferred = (await running.emulator.waitForCallback(submitted.id)).body;
    const reply = bodyOf(await running.emulator.waitForOriginalEdit(submitted.id, 10_000));
    return { modal, deferred: deferred as { type: number; data?: { flags?: number } }, reply };
  }

  const labels = (message: MessageBody) =>
    message.components?.flatMap((row) => row.components.flatMap((button) => (button.label === undefined ? [] : [button.label])));
  const firstQuote = (message: MessageBody) => /“(.+?)” \*\*\[1\]\*\*/s.exec(message.embeds?.[0]?.description ?? '')?.[1] ?? '';

  it('puts "Follow up" under an answer; it opens a modal with one text input as long as /ask’s question', async () => {
    const answer = await ask('How has Trump tried to pressure Russia?');
    expect(labels(answer as MessageBody)).toEqual(['Show passages', 'Follow up']);
    const { modal } = await followUp(bot, answer, 'what about Ukraine?');
    expect(modal.type).toBe(9);
    expect(modal.data.title).toMatch(/^Follow up: How has Trump tried/);
    expect(modal.data.components).toHaveLength(1);
    expect(modal.data.components[0]!.components[0]).toMatchObject({ type: 4, custom_id: 'question', max_length: 300, required: true });
  });

  it('answers the follow-up with the previous question as context, as a new message linking the original, with the same buttons', async () => {
    // As Discord sends it in an interaction: a message there need not say which server it is in.
    const { guild_id: _guild, ...answer } = (await ask('How has Trump tried to pressure Russia?')) as APIMessage & { guild_id?: string };
    const { deferred, reply } = await followUp(bot, answer, 'what about Ukraine?');
    expect(deferred.type).toBe(5);
    expect(deferred.data?.flags ?? 0).toBe(0);
    expect(reply.content).toBe(
      `Follow-up to: How has Trump tried to pressure Russia? — https://discord.com/channels/${bot.emulator.guildId}/${CHANNEL}/${answer.id}`,
    );
    expect(reply.embeds![0]!.title).toBe('what about Ukraine?');
    // The context decides the quote: asked alone, the NATO demand comes first.
    expect(firstQuote(reply)).toContain('Trump has swung between pressuring Russia and pressuring Ukraine');
    const alone = await ask('what about Ukraine?');
    expect(firstQuote(alone as MessageBody)).not.toContain('pressuring Ukraine');
    expect(labels(reply)).toEqual(['Show passages', 'Follow up']);
    // 👍 / 👎 too, for this answer (the modal submit's interaction id), as under /ask.
    const ids = reply.components!.flatMap((row) => row.components.map((button) => button.custom_id));
    expect(ids.filter((id) => id?.startsWith('vote:'))).toHaveLength(2);
    expect(reply.allowed_mentions).toEqual({ parse: [] });
  });

  it('follows up a follow-up’s answer, linking that answer', async () => {
    const answer = await ask('How has Trump tried to pressure Russia?');
    const first = await followUp(bot, answer, 'what about Ukraine?');
    // The follow-up's answer as Discord stores it: a message of the bot's with its content, embed and buttons.
    const followed = {
      ...answer,
      id: snowflake(),
      content: first.reply.content!,
      embeds: first.reply.embeds!,
      components: first.reply.components as APIMessage['components'],
    };
    const { reply } = await followUp(bot, followed, 'and what did he threaten?');
    expect(reply.content).toBe(`Follow-up to: what about Ukraine? — https://discord.com/channels/${bot.emulator.guildId}/${CHANNEL}/${followed.id}`);
    expect(reply.embeds![0]!.description).toContain('threatened new sanctions on Russian energy');
  });

  it('follows up in a DM with the bot (no ALLOWED_CHANNEL_IDS), linking the DM message', async () => {
    const anywhere = await startBot();
    try {
      const interaction = await anywhere.emulator.sendChatInput({ commandName: 'ask', options: { question: 'What did Rubio tell Trump?' }, dm: true });
      await anywhere.emulator.waitForOriginalEdit(interaction.id, 10_000);
      const answer = anywhere.emulator.originalMessage(interaction.id)!;
      const { reply } = await followUp(anywhere, answer, 'what did he call the meeting after that?', { dm: true });
      expect(reply.content).toBe(`Follow-up to: What did Rubio tell Trump? — https://discord.com/channels/@me/${anywhere.emulator.channelId}/${answer.id}`);
      expect(reply.embeds![0]!.description).toContain('wasted meeting');
    } finally {
      await anywhere.stop();
    }
  }, 120_000);

  it('follows up a private answer privately', async () => {
    const answer = await ask('What did Trump promise about the war?', { private: true });
    const { deferred, reply } = await followUp(bot, answer, 'and what has he acknowledged since?');
    expect(deferred.data?.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content).toBe('Follow-up to: What did Trump promise about the war?');
    expect(firstQuote(reply)).toContain('acknowledged the limits of U.S. leverage');
  });

  it('works in a thread of an allowed channel, and is refused in a channel that is not allowed', async () => {
    const thread = { channelId: THREAD, channelType: ChannelType.PublicThread as const, parentId: CHANNEL };
    // As Discord tells a bot with the Guilds intent of a new thread in a channel it sees.
    await bot.emulator.dispatch('THREAD_CREATE', {
      id: THREAD,
      guild_id: bot.emulator.guildId,
      parent_id: CHANNEL,
      type: ChannelType.PublicThread,
      name: 'summit talk',
      newly_created: true,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
    });
    const inThread = await ask('What did Rubio tell Trump?', thread);
    expect(inThread.channel_id).toBe(THREAD);
    const { reply } = await followUp(bot, inThread, 'what did he call the meeting after that?', thread);
    expect(reply.content).toMatch(new RegExp(`^Follow-up to: What did Rubio tell Trump\\? — https://discord\\.com/channels/\\d+/${THREAD}/${inThread.id}$`));
    expect(reply.embeds![0]!.description).toContain('wasted meeting');

    const pressed = await bot.emulator.sendButton({ customId: 'followup:', message: inThread, channelId: ELSEWHERE });
    expect(bodyOf(await bot.emulator.waitForCallback(pressed.id)).content).toMatch(/^I answer questions in <#\d+>/);
    const submitted = await bot.emulator.sendModalSubmit({
      customId: 'followup-modal:',
      fields: { question: 'and when?' },
      message: inThread,
      channelId: ELSEWHERE,
    });
    expect(bodyOf(await bot.emulator.waitForCallback(submitted.id))).toMatchObject({
      flags: MessageFlags.Ephemeral,
      content: expect.stringMatching(/^I answer questions in/),
    });
  });

  it('looks a question up with "Find in articles", ephemerally, with its quotes', async () => {
    const command = await bot.emulator.sendMessageCommand({
      commandName: 'Find in articles',
      target: { content: 'Why was the Budapest summit cancelled?' },
      user: { id: snowflake() },
    });
    expect((await bot.emulator.waitForCallback(command.id)).body).toMatchObject({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const reply = bodyOf(await bot.emulator.waitForOriginalEdit(command.id, 10_000));
    expect(reply.embeds![0]!.title).toBe('Why was the Budapest summit cancelled?');
    expect(firstQuote(reply)).toContain('refused to soften its hardline demands');
    expect(reply.content ?? '').toBe('');
    expect(labels(reply)).toContain('Show passages');
  });

  it('looks up a long message by its first sentences, without its mentions and links', async () => {
    const content =
      '<@123456789012345678> Zelenskyy has rejected any proposal to surrender more territory, right? https://example.com/news ' +
      'I read that somewhere last week and I keep thinking about it. '.repeat(8) +
      'Anyway, what do you all think about the weather?';
    const command = await bot.emulator.sendMessageCommand({ commandName: 'Find in articles', target: { content }, user: { id: snowflake() } });
    const reply = bodyOf(await bot.emulator.waitForOriginalEdit(command.id, 10_000));
    expect(reply.content).toMatch(/^That message is long: I looked up its start/);
    const title = reply.embeds![0]!.title!;
    expect(title.startsWith('Zelenskyy has rejected any proposal to surrender more territory, right?')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(300);
    expect(title).not.toMatch(/<@|https:|weather/);
    expect(reply.embeds![0]!.description).toContain('surrender additional territory');
  });

  it('says the articles do not cover an off-topic message, and that an empty one has no text', async () => {
    const offTopic = await bot.emulator.sendMessageCommand({
      commandName: 'Find in articles',
      target: { content: 'How do I bake sourdough bread?' },
      user: { id: snowflake() },
    });
    expect(bodyOf(await bot.emulator.waitForOriginalEdit(offTopic.id, 10_000)).embeds![0]!.description).toContain(
      "I couldn't find that in the articles I have.",
    );

    const empty = await bot.emulator.sendMessageCommand({
      commandName: 'Find in articles',
      target: {
        content: '',
        embeds: [{ title: 'a link preview' }],
        attachments: [{ id: snowflake(), filename: 'photo.png', size: 10, url: 'https://cdn.example/photo.png', proxy_url: 'https://cdn.example/photo.png' }],
      },
      user: { id: snowflake() },
    });
    const reply = bodyOf(await bot.emulator.waitForCallback(empty.id));
    expect(reply).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(/^That message has no text I can look up/) });
  });

  it('counts "Find in articles" and follow-ups against the member’s rate limit', async () => {
    const user = { id: snowflake() };
    for (let i = 0; i < 5; i++) {
      const command = await bot.emulator.sendMessageCommand({ commandName: 'Find in articles', target: { content: 'Who reported the cancellation?' }, user });
      await bot.emulator.waitForOriginalEdit(command.id, 10_000);
    }
    const sixth = await bot.emulator.sendMessageCommand({ commandName: 'Find in articles', target: { content: 'Who reported it?' }, user });
    expect(bodyOf(await bot.emulator.waitForCallback(sixth.id))).toMatchObject({
      flags: MessageFlags.Ephemeral,
      content: expect.stringMatching(/try again in \d+ s/),
    });
    const answer = await ask('What did Rubio tell Trump?');
    const submitted = await bot.emulator.sendModalSubmit({ customId: 'followup-modal:', fields: { question: 'and then?' }, message: answer, user });
    expect(bodyOf(await bot.emulator.waitForCallback(submitted.id)).content).toMatch(/try again in \d+ s/);
  });

  it('follows up an answer sent before a restart: the question is read from the answer message', async () => {
    const answer = await ask('What did Russia demand from Ukraine?');
    await bot.stop();
    bot = await start();
    const { reply } = await followUp(bot, answer, 'what does it want done to the military?');
    expect(reply.content).toMatch(/^Follow-up to: What did Russia demand from Ukraine\? — https:\/\/discord\.com\/channels\//);
    expect(reply.embeds![0]!.description).toContain('Sharp reductions to Ukraine’s military capabilities');
  }, 120_000);
});
