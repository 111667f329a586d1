import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationCommandType, ContextMenuCommandBuilder, Events, MessageFlags, SlashCommandBuilder, type Client } from 'discord.js';
import { parseConfig } from '../../src/config/config.js';
import { EmbeddingsError, VerbatimError } from '../../src/core/errors.js';
import { Verbatim } from '../../src/core/service.js';
import { type ButtonHandler, type Command, type MessageCommand, type ModalHandler, type Precondition, type SlashCommand } from '../../src/discord/context.js';
import { createClient } from '../../src/discord/client.js';
import { createLogger } from '../../src/discord/logger.js';
import { RateLimiter } from '../../src/discord/rate-limit.js';
import { InteractionRouter } from '../../src/discord/router.js';
import { CORPUS_DIR, loadGlove, makeTempDir, removeTempDirs } from '../helpers/core.js';
import { TEST_APPLICATION_ID, TEST_TOKEN } from './bot-harness.js';
import { DiscordEmulator } from './emulator.js';

/** Commands of this test's own that fail in each way the router must handle. */
const failing: SlashCommand[] = [
  {
    data: new SlashCommandBuilder().setName('crash-after-defer').setDescription('fails after deferring'),
    async execute(interaction) {
      await interaction.deferReply();
      throw new Error('boom after defer');
    },
  },
  {
    data: new SlashCommandBuilder().setName('crash-at-once').setDescription('fails before replying'),
    async execute() {
      throw new TypeError('boom at once');
    },
  },
  {
    data: new SlashCommandBuilder().setName('known-failure').setDescription('fails with a message for people'),
    async execute() {
      throw new VerbatimError('The index is being rebuilt; try again.');
    },
  },
  {
    data: new SlashCommandBuilder().setName('admin-failure').setDescription('fails with a message for the admins'),
    async execute(interaction) {
      await interaction.deferReply();
      throw new EmbeddingsError('The embeddings endpoint failed: http://10.0.0.5:11434/v1/embeddings answered 500 Internal Server Error');
    },
  },
  {
    data: new SlashCommandBuilder().setName('defer-only').setDescription('defers'),
    async execute(interaction) {
      await interaction.deferReply();
    },
  },
];

/** Records which preconditions ran, in order; `refuse` names those that say no. */
const ran: string[] = [];
function recorded(name: string, refuse = false): Precondition {
  return {
    name,
    run: () => {
      ran.push(name);
      return refuse ? { ok: false, message: `refused by ${name}` } : { ok: true };
    },
  };
}

/** One handler of each other kind the router dispatches, each answering with what it received. */
const pick: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('pick')
    .setDescription('autocompletes')
    .addStringOption((option) => option.setName('fruit').setDescription('a fruit').setAutocomplete(true)),
  preconditions: [recorded('never-for-suggestions', true)],
  async execute(interaction) {
    await interaction.reply({ content: `picked ${interaction.options.getString('fruit')}` });
  },
  async autocomplete(interaction) {
    const typed = interaction.options.getFocused();
    await interaction.respond(['apple', 'apricot', 'banana'].filter((fruit) => fruit.startsWith(typed)).map((fruit) => ({ name: fruit, value: fruit })));
  },
};
const echo: MessageCommand = {
  data: new ContextMenuCommandBuilder().setName('Echo message').setType(ApplicationCommandType.Message),
  preconditions: [recorded('first'), recorded('second')],
  async execute(interaction) {
    await interaction.reply({ content: `echo: ${interaction.targetMessage.content}`, flags: MessageFlags.Ephemeral });
  },
};
const kinds: Command[] = [
  pick,
  echo,
  {
    data: new SlashCommandBuilder().setName('guarded').setDescription('refused'),
    preconditions: [recorded('gate', true), recorded('after-gate')],
    async execute() {
      throw new Error('must not run');
    },
  },
];
const button: ButtonHandler = { prefix: 'press:', preconditions: [recorded('button-gate', true)], execute: () => Promise.reject(new Error('must not run')) };
const modal: ModalHandler = {
  prefix: 'note:',
  async execute(interaction) {
    await interaction.reply({ content: `${interaction.customId} says ${interaction.fields.getTextInputValue('text')}` });
  },
};

describe('InteractionRouter with the real discord.js client', () => {
  const log: string[] = [];
  let emulator: DiscordEmulator;
  let client: Client;

  beforeAll(async () => {
    const dir = await makeTempDir();
    const verbatim = await Verbatim.open({ corpusDir: CORPUS_DIR, indexDir: `${dir}/index`, embeddings: await loadGlove() });
    emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID }).start();
    const config = parseConfig(
      { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, DISCORD_API_BASE: emulator.apiBase, DISCORD_GLOBAL_REQUESTS_PER_SECOND: '10000' },
      'bot',
    ).discord!;
    const router = new InteractionRouter(
      { commands: [...failing, ...kinds], buttons: [button], modals: [modal] },
      {
        verbatim,
        config,
        // Told no secrets, so it redacts nothing: the token is checked on what the router hands the logger, not after redaction.
        logger: createLogger([], { write: (line) => log.push(line) }),
        askLimiter: new RateLimiter(config.askRateLimit),
      },
    );
    // The bot's own client: replies rely on its no-mentions default.
    client = createClient(config, [TEST_TOKEN]);
    client.on(Events.InteractionCreate, (interaction) => void router.route(interaction));
    await client.login(TEST_TOKEN);
  }, 60_000);

  afterAll(async () => {
    await client?.destroy();
    await emulator?.stop();
    await removeTempDirs();
  });

  it('turns an unexpected failure after deferring into an ephemeral follow-up with a reference also in the log', async () => {
    const interaction = await emulator.sendChatInput({ commandName: 'crash-after-defer' });
    const followUp = (await emulator.waitForFollowUp(interaction.id)).body as { content: string; flags: number; allowed_mentions: unknown };
    const ref = /^Something went wrong \(ref ([0-9A-F]{6})\)/.exec(followUp.content)?.[1];
    expect(ref).toBeDefined();
    expect(followUp.flags).toBe(MessageFlags.Ephemeral);
    expect(followUp.allowed_mentions).toEqual({ parse: [] });
    expect(log.join('')).toMatch(new RegExp(`ERROR /crash-after-defer \\d+ failed \\(ref ${ref}\\): Error: boom after defer\\n\\s+at `));
  });

  it('replies ephemerally when the failure comes before any reply', async () => {
    const interaction = await emulator.sendChatInput({ commandName: 'crash-at-once' });
    const callback = (await emulator.waitForCallback(interaction.id)).body as { type: number; data: { content: string; flags: number } };
    expect(callback.type).toBe(4);
    expect(callback.data.flags).toBe(MessageFlags.Ephemeral);
    expect(callback.data.content).toMatch(/^Something went wrong \(ref [0-9A-F]{6}\)/);
  });

  it('shows the core’s own errors as they are worded, without a reference', async () => {
    const interaction = await emulator.sendChatInput({ commandName: 'known-failure' });
    const callback = (await emulator.waitForCallback(interaction.id)).body as { data: { content: string } };
    expect(callback.data.content).toBe('The index is being rebuilt; try again.');
  });

  it('gives members a short line and a reference for an error written for the admins, whose details go to the log', async () => {
    const interaction = await emulator.sendChatInput({ commandName: 'admin-failure' });
    const followUp = (await emulator.waitForFollowUp(interaction.id)).body as { content: string; flags: number };
    const ref = /^I can't answer right now \(ref ([0-9A-F]{6})\)\. The moderators can find the details in the log\.$/.exec(followUp.content)?.[1];
    expect(ref, followUp.content).toBeDefined();
    expect(followUp.flags).toBe(MessageFlags.Ephemeral);
    expect(log.join('')).toContain(
      `ERROR /admin-failure ${interaction.id} failed (ref ${ref}): The embeddings endpoint failed: http://10.0.0.5:11434/v1/embeddings answered 500`,
    );
  });

  it('logs an expired (10062) or already acknowledged (40060) interaction and keeps routing', async () => {
    const expired = emulator.chatInputInteraction({ commandName: 'defer-only' });
    emulator.failCallbacks({ interactionId: expired.id });
    await emulator.dispatchInteraction(expired);
    const acknowledged = emulator.chatInputInteraction({ commandName: 'defer-only' });
    emulator.failCallbacks({ interactionId: acknowledged.id, status: 400, code: 40060, message: 'Interaction has already been acknowledged.' });
    await emulator.dispatchInteraction(acknowledged);
    for (let waited = 0; !log.join('').includes('40060') && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.join('')).toMatch(/WARN {2}\/defer-only \d+: cannot answer \(10062/);
    expect(log.join('')).toMatch(/WARN {2}\/defer-only \d+: cannot answer \(40060/);
    expect(emulator.callbacks(expired.id)).toHaveLength(1);
    const next = await emulator.sendChatInput({ commandName: 'known-failure' });
    expect(((await emulator.waitForCallback(next.id)).body as { data: { content: string } }).data.content).toContain('rebuilt');
  });

  it('runs the declared preconditions in order and answers with the first refusal, running nothing after it', async () => {
    ran.length = 0;
    const interaction = await emulator.sendChatInput({ commandName: 'guarded' });
    const callback = (await emulator.waitForCallback(interaction.id)).body as { data: { content: string; flags: number; allowed_mentions: unknown } };
    expect(callback.data).toMatchObject({ content: 'refused by gate', flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } });
    expect(ran).toEqual(['gate']);
    const pressed = await emulator.sendButton({ customId: 'press:1' });
    expect(((await emulator.waitForCallback(pressed.id)).body as { data: { content: string } }).data.content).toBe('refused by button-gate');
  });

  it('routes autocomplete to the command (no preconditions: nothing is done yet), a message command and a modal submit', async () => {
    ran.length = 0;
    const typing = await emulator.sendAutocomplete({ commandName: 'pick', options: { fruit: 'ap' }, focused: 'fruit' });
    const suggestions = (await emulator.waitForCallback(typing.id)).body as { type: number; data: { choices: { name: string }[] } };
    expect(suggestions.type).toBe(8);
    expect(suggestions.data.choices.map((choice) => choice.name)).toEqual(['apple', 'apricot']);
    expect(ran).toEqual([]);

    const onMessage = await emulator.sendMessageCommand({ commandName: 'Echo message', target: { content: 'hello there' } });
    expect(((await emulator.waitForCallback(onMessage.id)).body as { data: { content: string } }).data.content).toBe('echo: hello there');
    expect(ran).toEqual(['first', 'second']);

    const submitted = await emulator.sendModalSubmit({ customId: 'note:42', fields: { text: 'typed words' } });
    expect(((await emulator.waitForCallback(submitted.id)).body as { data: { content: string } }).data.content).toBe('note:42 says typed words');
  });

  it('answers an autocomplete whose command has none with no suggestions', async () => {
    const typing = await emulator.sendAutocomplete({ commandName: 'defer-only', options: { x: 'a' }, focused: 'x' });
    expect(((await emulator.waitForCallback(typing.id)).body as { data: { choices: unknown[] } }).data.choices).toEqual([]);
  });

  it('never logs the token (the logger redacts nothing here)', () => {
    expect(log.length).toBeGreaterThan(0);
    expect(log.join('')).not.toContain(TEST_TOKEN);
    expect(log.join('')).not.toContain('[redacted]');
  });
});
