import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Events, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type Client } from 'discord.js';
import { parseConfig } from '../../src/config/config.js';
import { VerbatimError } from '../../src/core/errors.js';
import { Verbatim } from '../../src/core/service.js';
import { createClient } from '../../src/discord/client.js';
import { type SlashCommand } from '../../src/discord/context.js';
import { createLogger } from '../../src/discord/logger.js';
import { RateLimiter } from '../../src/discord/rate-limit.js';
import { InteractionRouter } from '../../src/discord/router.js';
import { CORPUS_DIR, loadGlove, makeTempDir, removeTempDirs } from '../helpers/core.js';
import { embeddingsReply, inputOf, startEmbeddingsServer, type EmbeddingsServer } from '../helpers/embeddings-server.js';
import { bodyOf, type MessageBody, startBot, TEST_APPLICATION_ID, TEST_TOKEN, type RunningBot } from './bot-harness.js';
import { DiscordEmulator } from './emulator.js';

const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();
const API_KEY = 'sk-proj-secret-api-key-0123456789';

/** Everything the bot sent to Discord, as text. */
function sent(emulator: DiscordEmulator): string {
  return emulator.requests.map((request) => JSON.stringify(request.body ?? '')).join('\n');
}

describe('a link in the corpus to a file outside it (the bot, end to end)', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot({
      prepare: async (corpusDir, work) => {
        await writeFile(path.join(work, '.env'), `DISCORD_TOKEN=${TEST_TOKEN}\nThe bot token is ${TEST_TOKEN}.\n`);
        await symlink(path.join(work, '.env'), path.join(corpusDir, 'env.txt'));
        await symlink('/etc/passwd', path.join(corpusDir, 'passwd.txt'));
      },
    });
  }, 120_000);
  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
  });

  it('is not indexed: /sources lists the one article, /ask finds no token, /reindex names the links it skipped', async () => {
    const sources = await bot.emulator.sendChatInput({ commandName: 'sources' });
    const listing = bodyOf(await bot.emulator.waitForCallback(sources.id)).embeds![0]!;
    expect(listing.description!.split('\n')).toHaveLength(1);
    expect(listing.description).toMatch(/Budapest summit/);

    const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'What is the DISCORD_TOKEN of the bot?' } });
    const answer = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!;
    expect(answer.description).not.toMatch(/DISCORD_TOKEN|root:/);

    const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    const summary = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' && request.route.includes(reindex.token) && String((request.body as MessageBody).content).includes('Reindexed in'),
      60_000,
    );
    expect((summary.body as MessageBody).content).toContain(
      'Skipped: env.txt (a link to a file outside the corpus folder), passwd.txt (a link to a file outside the corpus folder)',
    );
    expect(sent(bot.emulator)).not.toContain(TEST_TOKEN);
  }, 90_000);
});

describe('an article that quotes the bot token (the bot, end to end)', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot({
      prepare: (corpusDir) =>
        writeFile(
          path.join(corpusDir, 'ops-notes.md'),
          `---\ntitle: Operations notes\n---\nThe DISCORD_TOKEN of the bot is ${TEST_TOKEN} and nobody may see it.\n`,
        ),
    });
  }, 120_000);
  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
  });

  it('answers with the quote, the token replaced by [redacted], in the answer and in its echoed question', async () => {
    const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: `What is the DISCORD_TOKEN of the bot, is it ${TEST_TOKEN}?` } });
    const answer = bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!;
    // Shown as plain text: the underscore is escaped so that it cannot start italics.
    expect(answer.description).toContain('The DISCORD\\_TOKEN of the bot is [redacted] and nobody may see it.');
    expect(answer.title).toContain('is it [redacted]?');
    expect(sent(bot.emulator)).not.toContain(TEST_TOKEN);
  });
});

describe('a failing embeddings gateway whose URL holds a password (the bot, end to end)', () => {
  const PASSWORD = 'gateway-password-0123';
  let gateway: EmbeddingsServer;
  let bot: RunningBot;
  let overQuota = false;

  beforeAll(async () => {
    // Embeds the articles for the start, then refuses, as a gateway over its quota would.
    gateway = await startEmbeddingsServer((request) =>
      overQuota ? { status: 400, body: `quota exceeded for gateway-user:${PASSWORD}` } : embeddingsReply(inputOf(request.body)),
    );
    bot = await startBot({
      env: { EMBEDDINGS: 'openai', OPENAI_BASE_URL: gateway.baseUrl.replace('http://', `http://gateway-user:${PASSWORD}@`), EMBEDDINGS_MODEL: 'test-model' },
    });
  }, 120_000);
  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
    await gateway?.close();
  });

  it('gives the member a short line with a reference; the log has the details under it, without the credentials', async () => {
    overQuota = true;
    const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Why was the Budapest summit cancelled?' } });
    const reply = bodyOf(await bot.emulator.waitForFollowUp(ask.id, 10_000));
    const ref = /^I can't answer right now \(ref ([0-9A-F]{6})\)\. The moderators can find the details in the log\.$/.exec(reply.content ?? '')?.[1];
    expect(ref, reply.content).toBeDefined();
    for (let waited = 0; !bot.log().includes(`(ref ${ref})`) && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bot.log()).toContain(
      `/ask ${ask.id} failed (ref ${ref}): The embeddings endpoint failed: http://***@127.0.0.1:${gateway.port}/v1/embeddings answered 400`,
    );
    expect(gateway.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`gateway-user:${PASSWORD}`).toString('base64')}`);
    for (const text of [bot.log(), sent(bot.emulator)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('gateway-user');
      expect(text).not.toContain(TEST_TOKEN);
    }
    expect(sent(bot.emulator)).not.toContain('127.0.0.1');
  }, 30_000);
});

/** Commands of this test's own that put the secrets in every part of a message. */
const leaky: SlashCommand[] = [
  {
    data: new SlashCommandBuilder().setName('leak-reply').setDescription('replies with the secrets'),
    async execute(interaction) {
      await interaction.reply({
        content: `token ${TEST_TOKEN}, key ${API_KEY}`,
        embeds: [{ title: TEST_TOKEN, description: `“${API_KEY}”`, fields: [{ name: 'Sources', value: `[1] ${TEST_TOKEN}` }], footer: { text: API_KEY } }],
        flags: MessageFlags.Ephemeral,
      });
    },
  },
  {
    data: new SlashCommandBuilder().setName('leak-edit').setDescription('defers, edits and follows up with the secrets'),
    async execute(interaction) {
      await interaction.deferReply();
      await interaction.editReply({ content: `edited ${TEST_TOKEN}` });
      await interaction.followUp({ content: `followed up ${API_KEY}` });
    },
  },
  {
    data: new SlashCommandBuilder().setName('leak-error').setDescription('fails with a message holding the token'),
    async execute() {
      throw new VerbatimError(`The endpoint refused the key ${API_KEY} (token ${TEST_TOKEN}).`);
    },
  },
];

describe('createClient: no configured secret leaves in any message (real discord.js, emulator)', () => {
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
      { commands: leaky },
      {
        verbatim,
        config,
        logger: createLogger([TEST_TOKEN, API_KEY], { write: () => {} }),
        askLimiter: new RateLimiter(config.askRateLimit),
      },
    );
    client = createClient(config, [TEST_TOKEN, API_KEY]);
    client.on(Events.InteractionCreate, (interaction) => void router.route(interaction));
    await client.login(TEST_TOKEN);
  }, 60_000);

  afterAll(async () => {
    await client?.destroy();
    await emulator?.stop();
    await removeTempDirs();
  });

  it('redacts replies, embeds, edits, follow-ups and error replies, and still authenticates with the token', async () => {
    const reply = await emulator.sendChatInput({ commandName: 'leak-reply' });
    const replied = bodyOf(await emulator.waitForCallback(reply.id));
    expect(replied.content).toBe('token [redacted], key [redacted]');
    expect(replied.embeds![0]).toMatchObject({
      title: '[redacted]',
      description: '“[redacted]”',
      fields: [{ name: 'Sources', value: '[1] [redacted]' }],
      footer: { text: '[redacted]' },
    });

    const edit = await emulator.sendChatInput({ commandName: 'leak-edit' });
    expect(bodyOf(await emulator.waitForOriginalEdit(edit.id)).content).toBe('edited [redacted]');
    expect(bodyOf(await emulator.waitForFollowUp(edit.id)).content).toBe('followed up [redacted]');

    const error = await emulator.sendChatInput({ commandName: 'leak-error' });
    expect(bodyOf(await emulator.waitForCallback(error.id)).content).toBe('The endpoint refused the key [redacted] (token [redacted]).');

    const text = sent(emulator);
    expect(text).not.toContain(TEST_TOKEN);
    expect(text).not.toContain(API_KEY);
    // Headers are not touched: every request was authenticated with the real token.
    expect(
      emulator.requests
        .filter((request) => request.headers.authorization !== undefined)
        .every((request) => request.headers.authorization === `Bot ${TEST_TOKEN}`),
    ).toBe(true);
  });
});
