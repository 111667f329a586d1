import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits, IntentsBitField } from 'discord.js';
import { fatalGatewayProblem } from '../../src/discord/client.js';
import { freePort, ROOT, runEntry, startBot, TEST_APPLICATION_ID, TEST_TOKEN } from './bot-harness.js';
import { DiscordEmulator, type DiscordEmulatorOptions } from './emulator.js';

describe('Discord refusing the bot for good (setup for admins)', () => {
  let emulator: DiscordEmulator | undefined;
  let work: string | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
    if (work) await rm(work, { recursive: true, force: true });
  });

  /**
   * Runs `npm start` against an emulator set up to refuse it; resolves when the bot exits.
   * The bot logs in before it touches the index, so a refused bot never builds one.
   */
  async function startRefused(options: DiscordEmulatorOptions, env: Record<string, string> = {}) {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-refused-'));
    emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID, ...options }).start();
    const indexDir = path.join(work, 'index');
    const { code, stdout, stderr } = await runEntry('cli/start', {
      DISCORD_TOKEN: TEST_TOKEN,
      DISCORD_CLIENT_ID: TEST_APPLICATION_ID,
      DISCORD_API_BASE: emulator.apiBase,
      CORPUS_DIR: path.join(ROOT, 'corpus'),
      INDEX_DIR: indexDir,
      ...env,
    });
    expect(existsSync(indexDir)).toBe(false);
    const output = stdout + stderr;
    expect(output).not.toContain(TEST_TOKEN);
    expect(output).not.toContain(TEST_TOKEN.split('.')[2]);
    // One line says what happened and what to do; no stack, no "reconnecting".
    expect(output.match(/ERROR/g)).toHaveLength(1);
    expect(output).not.toMatch(/\n\s+at |reconnecting/);
    return { code, output };
  }

  it('a token the gateway rejects (close code 4004): exit 2, one line saying to reset the token', async () => {
    const { code, output } = await startRefused({ identifyCloseCode: 4004 });
    expect(code).toBe(2);
    expect(output).toMatch(
      /ERROR cannot connect to Discord: Discord rejected the bot token \(gateway close code 4004, authentication failed\)\. Reset the token on the Bot page of the Discord Developer Portal and set DISCORD_TOKEN to the new one\.\n/,
    );
  }, 60_000);

  it('a token the REST API rejects (HTTP 401 on login): the same advice, exit 2', async () => {
    const { code, output } = await startRefused({ token: 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.another-token-the-bot-does-not-have0' });
    expect(code).toBe(2);
    expect(output).toMatch(/ERROR cannot connect to Discord: Discord rejected the bot token \(HTTP 401 on login\)\. Reset the token on the Bot page/);
  }, 60_000);

  it('a token of another application than DISCORD_CLIENT_ID: exit 2, one line giving the right id', async () => {
    const { code, output } = await startRefused({ applicationId: '100000000000000999' });
    expect(code).toBe(2);
    expect(output).toMatch(
      /ERROR cannot connect to Discord: DISCORD_CLIENT_ID is 100000000000000001, but the token belongs to application 100000000000000999: set DISCORD_CLIENT_ID to 100000000000000999/,
    );
  }, 60_000);

  it('Discord unreachable: exit 1, one line saying so, no stack', async () => {
    const closedPort = await freePort();
    const { code, output } = await startRefused({}, { DISCORD_API_BASE: `http://127.0.0.1:${closedPort}/api` });
    expect(code).toBe(1);
    expect(output).toMatch(/ERROR cannot connect to Discord: cannot log in to Discord: .*Check the network and DISCORD_API_BASE/);
  }, 60_000);

  it('disallowed intents (close code 4014): exit 2, one line naming the intents and where to enable them', async () => {
    const { code, output } = await startRefused({ identifyCloseCode: 4014 });
    expect(code).toBe(2);
    expect(output).toMatch(
      /ERROR cannot connect to Discord: Discord refused a privileged gateway intent \(gateway close code 4014, disallowed intents\)\. The bot requests Guilds, none of them privileged, .*Privileged Gateway Intents on the Bot page of the Discord Developer Portal/,
    );
  }, 60_000);

  it('a token revoked while the bot runs (close code 4004 after READY): exit 2 with the same line, not a silent exit 13', async () => {
    const bot = await startBot();
    try {
      const exited = new Promise<number | null>((resolve) => (bot.child.exitCode !== null ? resolve(bot.child.exitCode) : bot.child.on('exit', resolve)));
      bot.emulator.dropGateway('close', 4004);
      expect(await exited).toBe(2);
      expect(bot.log()).toMatch(
        /ERROR cannot connect to Discord: Discord rejected the bot token \(gateway close code 4004, authentication failed\)\. Reset the token/,
      );
      expect(bot.log()).not.toMatch(/reconnecting|\n\s+at /);
      expect(bot.log()).not.toContain(TEST_TOKEN);
    } finally {
      await bot.stop();
    }
  }, 120_000);
});

describe('fatalGatewayProblem', () => {
  const guildsOnly = new IntentsBitField([GatewayIntentBits.Guilds]);

  it('names the code and what to do for each code discord.js gives up on, and nothing for the others', () => {
    expect(fatalGatewayProblem(4010, guildsOnly)).toMatch(/4010, invalid shard\)\. .*start it again/);
    expect(fatalGatewayProblem(4011, guildsOnly)).toMatch(/4011, sharding required\): the bot is in too many servers/);
    expect(fatalGatewayProblem(4012, guildsOnly)).toMatch(/4012, invalid API version\)\. Update discord\.js/);
    expect(fatalGatewayProblem(4013, guildsOnly)).toMatch(/4013, invalid intents\): the bot requests Guilds\./);
    for (const recoverable of [1000, 4000, 4007, 4009]) expect(fatalGatewayProblem(recoverable, guildsOnly)).toBeUndefined();
  });

  it('says which privileged intent to enable, or stop requesting, for 4014', () => {
    const privileged = new IntentsBitField([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers, GatewayIntentBits.MessageContent]);
    expect(fatalGatewayProblem(4014, privileged)).toContain(
      'The bot requests Server Members Intent, Message Content Intent: enable them under Privileged Gateway Intents on the Bot page of the Discord Developer Portal, or stop requesting them',
    );
  });
});
