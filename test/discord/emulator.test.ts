/**
 * Self-test of the Discord emulator against the REAL discord.js Client (no mocks).
 * A tiny inline bot answers: /ask (deferReply + editReply), /quick (reply withResponse),
 * /later (deferReply + followUp), /slow (waits 100 ms, then defers) and buttons (reply / update).
 */
import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits, type Interaction, type Message } from 'discord.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator, type DiscordEmulatorOptions } from './emulator.js';

interface Outcome {
  interaction: Interaction;
  reply?: Message;
  extra?: unknown;
  error?: unknown;
}

interface Harness {
  emulator: DiscordEmulator;
  client: Client;
  /** Resolves when the bot has finished (or failed) handling the interaction with this id. */
  outcome(id: string, timeoutMs?: number): Promise<Outcome>;
  close(): Promise<void>;
}

/** Starts an emulator and logs a real discord.js client running a tiny bot into it. */
async function startHarness(options: DiscordEmulatorOptions = {}): Promise<Harness> {
  const emulator = await new DiscordEmulator(options).start();
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: emulator.apiBase, globalRequestsPerSecond: 10_000 },
  });
  const outcomes = new Map<string, Outcome>();
  const waiters = new Map<string, (o: Outcome) => void>();
  const finish = (o: Outcome): void => {
    outcomes.set(o.interaction.id, o);
    waiters.get(o.interaction.id)?.(o);
  };

  client.on(Events.InteractionCreate, async (interaction) => {
    const o: Outcome = { interaction };
    try {
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === 'ask') {
          await interaction.deferReply();
          o.reply = await interaction.editReply(`answer to: ${interaction.options.getString('question', true)}`);
        } else if (interaction.commandName === 'quick') {
          const response = await interaction.reply({ content: 'quick answer', withResponse: true });
          o.reply = response.resource?.message ?? undefined;
          o.extra = response;
        } else if (interaction.commandName === 'slow') {
          await sleep(100);
          await interaction.deferReply();
        } else if (interaction.commandName === 'later') {
          await interaction.deferReply({ flags: MessageFlags.Ephemeral });
          o.reply = await interaction.followUp('follow-up text');
        }
      } else if (interaction.isButton()) {
        if (interaction.customId === 'update') {
          await interaction.update({ content: 'updated by button', components: [] });
        } else {
          o.reply = (await interaction.reply({ content: `clicked ${interaction.customId}`, withResponse: true })).resource?.message ?? undefined;
        }
      }
    } catch (error) {
      o.error = error;
    }
    finish(o);
  });

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(emulator.token);
  await ready;

  return {
    emulator,
    client,
    outcome(id, timeoutMs = 3_000) {
      const done = outcomes.get(id);
      if (done) return Promise.resolve(done);
      return new Promise<Outcome>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bot did not finish interaction ${id}`)), timeoutMs);
        waiters.set(id, (o) => {
          clearTimeout(timer);
          resolve(o);
        });
      });
    },
    async close() {
      await client.destroy();
      await emulator.stop();
    },
  };
}

describe('DiscordEmulator with a real discord.js Client', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('logs in: /gateway/bot, IDENTIFY, READY with no guilds → clientReady', () => {
    const { emulator, client } = h;
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(emulator.botUser.id);
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(emulator.applicationId);
    expect(emulator.identifyCount).toBe(1);
    expect(emulator.resumeCount).toBe(0);
    expect(emulator.requests.some((r) => r.method === 'GET' && r.route === '/gateway/bot')).toBe(true);
    const connect = emulator.gatewayEvents.find((e) => e.kind === 'connect');
    expect(connect?.detail).toBe('/?v=10&encoding=json');
  });

  it('slash command: deferReply (callback type 5) then editReply (PATCH @original)', async () => {
    const { emulator } = h;
    const interaction = await emulator.sendChatInput({
      commandName: 'ask',
      options: { question: 'who won?' },
      permissions: PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel,
      roles: ['111111111111111111'],
    });
    expect(interaction.id).toMatch(/^\d{17,19}$/);

    const callback = await emulator.waitForCallback(interaction.id);
    expect(callback.body).toEqual({ type: 5, data: { flags: 0 } });
    expect(callback.query).toEqual({ with_response: 'false' });
    expect(callback.status).toBe(204);

    const edit = await emulator.waitForOriginalEdit(interaction.id);
    expect(edit.path).toBe(`/api/v10/webhooks/${emulator.applicationId}/${interaction.token}/messages/@original`);
    expect(edit.body).toMatchObject({ content: 'answer to: who won?' });
    expect(edit.status).toBe(200);

    const o = await h.outcome(interaction.id);
    expect(o.error).toBeUndefined();
    expect(o.reply?.content).toBe('answer to: who won?');
    expect(o.reply?.author.id).toBe(emulator.botUser.id);
    expect(emulator.originalMessage(interaction.id)?.content).toBe('answer to: who won?');

    // What the bot saw: the member comes from the payload (guild not cached → raw API member).
    const seen = o.interaction;
    expect(seen.isChatInputCommand() && seen.options.getString('question')).toBe('who won?');
    expect(seen.inGuild()).toBe(true);
    expect(seen.inCachedGuild()).toBe(false);
    expect(seen.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(true);
    expect(seen.memberPermissions?.has(PermissionFlagsBits.Administrator)).toBe(false);
    expect(seen.member?.roles).toEqual(['111111111111111111']);

    const timing = emulator.interactionTiming(interaction.id);
    expect(timing.firstCallbackType).toBe(5);
    expect(timing.callbackLatencyMs).toBeGreaterThanOrEqual(0);
    expect(timing.originalEditLatencyMs).toBeGreaterThanOrEqual(timing.callbackLatencyMs ?? 0);
  });

  it('reply with withResponse=true gets an interaction callback response object', async () => {
    const { emulator } = h;
    const interaction = await emulator.sendChatInput({ commandName: 'quick' });
    const callback = await emulator.waitForCallback(interaction.id);
    expect(callback.query).toEqual({ with_response: 'true' });
    expect(callback.body).toMatchObject({ type: 4, data: { content: 'quick answer' } });
    const o = await h.outcome(interaction.id);
    expect(o.error).toBeUndefined();
    expect(o.reply?.content).toBe('quick answer');
  });

  it('ephemeral defer + followUp (POST /webhooks/:app/:token)', async () => {
    const { emulator } = h;
    const interaction = await emulator.sendChatInput({ commandName: 'later' });
    const followUp = await emulator.waitForFollowUp(interaction.id);
    expect(followUp.query.wait).toBe('true');
    expect(followUp.body).toMatchObject({ content: 'follow-up text' });
    expect(emulator.callbacks(interaction.id)[0]?.body).toEqual({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const o = await h.outcome(interaction.id);
    expect(o.error).toBeUndefined();
    expect(o.reply?.content).toBe('follow-up text');
    expect(emulator.followUps(interaction.id)).toHaveLength(1);
  });

  it('button interactions: reply and update', async () => {
    const { emulator } = h;
    const click = await emulator.sendButton({ customId: 'more:42' });
    const o = await h.outcome(click.id);
    expect(o.error).toBeUndefined();
    expect(o.interaction.isButton() && o.interaction.message.id).toBe(click.message.id);
    expect((await emulator.waitForCallback(click.id)).body).toMatchObject({ type: 4, data: { content: 'clicked more:42' } });
    expect(o.reply?.content).toBe('clicked more:42');

    const upd = await emulator.sendButton({ customId: 'update', message: { content: 'before' } });
    expect((await h.outcome(upd.id)).error).toBeUndefined();
    expect((await emulator.waitForCallback(upd.id)).body).toMatchObject({ type: 7, data: { content: 'updated by button', components: [] } });
    expect(emulator.originalMessage(upd.id)?.content).toBe('updated by button');
  });

  it('fault: callback answers 404 Unknown interaction (10062) → deferReply rejects', async () => {
    const { emulator } = h;
    const payload = emulator.chatInputInteraction({ commandName: 'ask', options: { question: 'late?' } });
    emulator.failCallbacks({ interactionId: payload.id });
    await emulator.dispatchInteraction(payload);
    const o = await h.outcome(payload.id);
    expect(o.error).toBeInstanceOf(DiscordAPIError);
    expect((o.error as DiscordAPIError).code).toBe(10062);
    expect((o.error as DiscordAPIError).status).toBe(404);
    expect(emulator.callbacks(payload.id)).toHaveLength(1);
    expect(emulator.callbacks(payload.id)[0]?.status).toBe(404);

    // The fault was used up: the next interaction works again.
    const next = await emulator.sendChatInput({ commandName: 'ask', options: { question: 'ok?' } });
    expect((await h.outcome(next.id)).error).toBeUndefined();
  });

  it('gateway closed with 4000 → client resumes, later interactions still arrive', async () => {
    const { emulator } = h;
    const resumed = emulator.waitForResumed(4_000);
    emulator.dropGateway('close', 4000);
    await resumed;
    expect(emulator.resumeCount).toBe(1);
    expect(emulator.identifyCount).toBe(1);
    const interaction = await emulator.sendChatInput({ commandName: 'ask', options: { question: 'after 4000' } });
    expect((await h.outcome(interaction.id)).reply?.content).toBe('answer to: after 4000');
  });

  it('gateway terminated → dispatch sent while down is replayed on RESUME', async () => {
    const { emulator } = h;
    const resumesBefore = emulator.resumeCount;
    const resumed = emulator.waitForResumed(4_000);
    emulator.dropGateway('terminate');
    expect(emulator.connected).toBe(false);
    const interaction = await emulator.sendChatInput({ commandName: 'ask', options: { question: 'while down' } });
    await resumed;
    const o = await h.outcome(interaction.id);
    expect(o.reply?.content).toBe('answer to: while down');
    expect(emulator.resumeCount).toBe(resumesBefore + 1);
    expect(emulator.identifyCount).toBe(1);
    const record = emulator.dispatches.find((d) => d.t === 'INTERACTION_CREATE' && (d.d as { id: string }).id === interaction.id);
    expect(record?.replays).toBe(1);
    // Latency is measured from the moment the dispatch actually reached the socket (the replay).
    expect(emulator.interactionTiming(interaction.id).callbackLatencyMs).toBeGreaterThanOrEqual(0);
  });

  it('30 concurrent slash commands all complete quickly (no REST stall)', async () => {
    const { emulator } = h;
    const started = performance.now();
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => emulator.sendChatInput({ commandName: 'ask', options: { question: `q${i}` } })));
    const outcomes = await Promise.all(sent.map((p) => h.outcome(p.id)));
    expect(outcomes.map((o) => o.reply?.content)).toEqual(sent.map((_, i) => `answer to: q${i}`));
    expect(performance.now() - started).toBeLessThan(1_000);
    const latencies = sent.map((p) => emulator.interactionTiming(p.id).originalEditLatencyMs ?? Infinity);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });

  it('records command registration (global and guild) and echoes ids', async () => {
    const { emulator, client } = h;
    const global = await client.application!.commands.set([{ name: 'ask', description: 'Ask a question' }]);
    expect(global.first()?.id).toMatch(/^\d{17,19}$/);
    expect(emulator.registeredCommands().map((c) => c.name)).toEqual(['ask']);
    const put = await emulator.waitForRequest((r) => r.method === 'PUT' && r.route === `/applications/${emulator.applicationId}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${emulator.token}`);
    expect(put.body).toMatchObject([{ name: 'ask', description: 'Ask a question' }]);

    await client.application!.commands.set([{ name: 'quick', description: 'Quick' }], emulator.guildId);
    expect(emulator.registeredCommands(emulator.guildId).map((c) => c.name)).toEqual(['quick']);
    // Built interactions reuse registered command ids.
    expect(emulator.chatInputInteraction({ commandName: 'ask' }).data.id).toBe(global.first()?.id);
  });

  it('unknown routes answer 404 JSON', async () => {
    const res = await fetch(`${h.emulator.apiBase}/v10/nothing/here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
  });
});

describe('DiscordEmulator options', () => {
  it('sendGuildCreate: guild, channel and roles are cached; member is a GuildMember', async () => {
    const roleId = '222222222222222222';
    const h = await startHarness({ sendGuildCreate: true, guildRoles: [{ id: roleId, name: 'editors', permissions: PermissionFlagsBits.ManageMessages }] });
    try {
      expect(h.client.guilds.cache.has(h.emulator.guildId)).toBe(true);
      const interaction = await h.emulator.sendChatInput({ commandName: 'ask', options: { question: 'cached?' }, roles: [roleId] });
      const o = await h.outcome(interaction.id);
      expect(o.error).toBeUndefined();
      const seen = o.interaction;
      expect(seen.inCachedGuild()).toBe(true);
      if (!seen.inCachedGuild()) return;
      expect(seen.member.roles.cache.has(roleId)).toBe(true);
      expect(seen.channel?.id).toBe(h.emulator.channelId);
    } finally {
      await h.close();
    }
  });

  it('heartbeats are ACKed; unACKed heartbeats make discord.js resume (zombie connection)', async () => {
    const h = await startHarness({ heartbeatIntervalMs: 150 });
    try {
      const { emulator } = h;
      await emulator.waitForGatewayEvent((e) => e.kind === 'heartbeat', 2_000);
      emulator.ackHeartbeats = false;
      await emulator.waitForResumed(4_000);
      emulator.ackHeartbeats = true;
      expect(emulator.identifyCount).toBe(1);
      const interaction = await emulator.sendChatInput({ commandName: 'ask', options: { question: 'zombie' } });
      expect((await h.outcome(interaction.id)).reply?.content).toBe('answer to: zombie');
    } finally {
      await h.close();
    }
  });

  it('callbackDeadlineMs: a late callback gets 10062', async () => {
    const h = await startHarness({ callbackDeadlineMs: 50 });
    try {
      const payload = h.emulator.chatInputInteraction({ commandName: 'slow' });
      await h.emulator.dispatchInteraction(payload);
      const o = await h.outcome(payload.id);
      expect((o.error as DiscordAPIError).code).toBe(10062);
    } finally {
      await h.close();
    }
  });

  it('client.destroy() + emulator.stop() leave no sockets or servers open', async () => {
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    await sleep(50); // let sockets of earlier tests finish closing
    const before = tcp();
    const h = await startHarness();
    const interaction = await h.emulator.sendChatInput({ commandName: 'ask', options: { question: 'bye' } });
    await h.outcome(interaction.id);
    expect(tcp()).toBeGreaterThan(before);
    await h.close();
    await sleep(50);
    expect(tcp()).toBe(before);
    await expect(fetch(`${h.emulator.apiBase}/v10/gateway`)).rejects.toThrow();
  });
});
