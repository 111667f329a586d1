import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedbackStore } from '../../src/core/feedback/store.js';
import { runEntry, TEST_APPLICATION_ID, TEST_TOKEN } from './bot-harness.js';
import { DiscordEmulator } from './emulator.js';

describe('setup for admins', () => {
  let emulator: DiscordEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  it('refuses to start on a bad configuration: every problem listed at once, exit 2, no stack, no token', async () => {
    const { code, stderr } = await runEntry('cli/start', {
      DISCORD_TOKEN: TEST_TOKEN,
      DISCORD_CLIENT_ID: 'not-an-id',
      MODERATOR_ROLE_IDS: '123,456789012345678901',
      ASK_RATE_LIMIT: 'lots',
      EMBEDDINGS: 'magic',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('DISCORD_CLIENT_ID must be a Discord id');
    expect(stderr).toContain('MODERATOR_ROLE_IDS must be a comma-separated list of Discord ids; not ids: "123"');
    expect(stderr).toContain('ASK_RATE_LIMIT must look like "5/60"');
    expect(stderr).toContain('EMBEDDINGS must be "local" or "openai"');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain(TEST_TOKEN);
  });

  it('never prints the token when DISCORD_TOKEN and DISCORD_CLIENT_ID are swapped', async () => {
    const { code, stderr } = await runEntry('cli/start', { DISCORD_TOKEN: TEST_APPLICATION_ID, DISCORD_CLIENT_ID: TEST_TOKEN });
    expect(code).toBe(2);
    expect(stderr).toContain('DISCORD_TOKEN does not look like a bot token');
    expect(stderr).toContain('DISCORD_CLIENT_ID must be a Discord id (17 to 20 digits), got a value shaped like a token or key (not shown).');
    expect(stderr).not.toContain(TEST_TOKEN);
    expect(stderr).not.toContain(TEST_TOKEN.split('.')[2]);
  });

  it('refuses to start on an index folder it did not write, says what to do, and leaves the folder', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-setup-'));
    try {
      const indexDir = path.join(work, 'precious');
      await mkdir(indexDir);
      await writeFile(path.join(indexDir, 'notes.txt'), 'keep');
      const { code, stderr } = await runEntry('cli/start', { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, INDEX_DIR: indexDir });
      expect(code).toBe(1);
      expect(stderr).toMatch(/ERROR cannot start: .*precious is not an index Verbatim wrote \(it holds notes\.txt and no manifest\.json\)/);
      expect(stderr).toContain('Set INDEX_DIR (or --index) to a new or empty folder');
      // The old advice, `npm run index`, was the command that deleted such a folder.
      expect(stderr).not.toMatch(/npm run index|\n\s+at /);
      expect(await readFile(path.join(indexDir, 'notes.txt'), 'utf8')).toBe('keep');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('names the missing token and application id', async () => {
    const { code, stderr } = await runEntry('cli/start', {});
    expect(code).toBe(2);
    expect(stderr).toContain('DISCORD_TOKEN is missing');
    expect(stderr).toContain('DISCORD_CLIENT_ID is missing');
  });

  it('deploy-commands registers every command in the guild when DISCORD_GUILD_ID is set, globally otherwise', async () => {
    emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID }).start();
    const env = { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, DISCORD_API_BASE: emulator.apiBase };
    const guildId = '200000000000000002';
    const guild = await runEntry('cli/deploy-commands', { ...env, DISCORD_GUILD_ID: guildId });
    expect(guild.code).toBe(0);
    expect(guild.stdout).toContain(`Registered 7 commands in guild ${guildId}`);
    expect(guild.stdout).toContain('"Find in articles" (message menu)');
    const names = emulator.registeredCommands(guildId).map((command) => (command as { name: string }).name);
    expect(names.sort()).toEqual(['Find in articles', 'article', 'ask', 'help', 'reindex', 'sources', 'unanswered']);
    for (const name of ['reindex', 'article', 'unanswered']) {
      const moderatorCommand = emulator.registeredCommands(guildId).find((command) => (command as { name: string }).name === name) as {
        default_member_permissions: string;
        contexts: number[];
      };
      expect(moderatorCommand.default_member_permissions, name).toBe('32');
      expect(moderatorCommand.contexts, name).toEqual([0]);
    }

    const global = await runEntry('cli/deploy-commands', env);
    expect(global.code).toBe(0);
    expect(global.stdout).toContain('Registered 7 commands globally');
    expect(emulator.registeredCommands().length).toBe(7);
    expect(guild.stdout + guild.stderr + global.stdout + global.stderr).not.toContain(TEST_TOKEN);
  }, 30_000);

  it('doctor asks Discord about the token and the commands, never ticks a missing index, and prints the invite link', async () => {
    emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: TEST_APPLICATION_ID }).start();
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-doctor-'));
    try {
      const env = {
        DISCORD_TOKEN: TEST_TOKEN,
        DISCORD_CLIENT_ID: TEST_APPLICATION_ID,
        DISCORD_API_BASE: emulator.apiBase,
        DISCORD_GUILD_ID: '200000000000000002',
        INDEX_DIR: path.join(work, 'index'),
        DATA_DIR: path.join(work, 'data'),
      };
      const before = await runEntry('cli/doctor', env);
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(/✔ Discord: token accepted, bot verbatim-test-bot \(\d+\)/);
      expect(before.stdout).toContain('✘ commands in server 200000000000000002: none registered — run `npm run deploy-commands`');
      expect(before.stdout).toContain('✘ index: not built yet — `npm run index` builds it');
      expect(before.stdout).toContain(`✔ feedback store: none yet (${path.join(work, 'data', 'verbatim.db')} is created on the bot's first start)`);
      expect(before.stdout).toContain(`https://discord.com/oauth2/authorize?client_id=${TEST_APPLICATION_ID}&scope=bot%20applications.commands&permissions=0`);

      expect((await runEntry('cli/deploy-commands', env)).code).toBe(0);
      const after = await runEntry('cli/doctor', env);
      expect(after.stdout).toContain(
        '✔ commands: /ask /sources /reindex /article /unanswered /help "Find in articles" (message menu) registered in server 200000000000000002, up to date',
      );
      expect(before.stdout + before.stderr + after.stdout + after.stderr).not.toContain(TEST_TOKEN);

      // A store the bot wrote, then one it could not open: named, with what it costs the members.
      const store = FeedbackStore.open({ file: path.join(work, 'data', 'verbatim.db') });
      store.recordQuestion({ kind: 'abstained', question: 'Who is Merkel?', memberId: '300000000000000003', guildId: '200000000000000002' });
      store.close();
      expect((await runEntry('cli/doctor', env)).stdout).toContain(
        `✔ feedback store: ${path.join(work, 'data', 'verbatim.db')}, 1 question(s) in the unanswered queues, 0 vote(s)`,
      );
      await writeFile(path.join(work, 'data', 'verbatim.db'), 'not a database '.repeat(400));
      const damaged = await runEntry('cli/doctor', env);
      expect(damaged.code).toBe(1);
      expect(damaged.stdout).toMatch(
        /✘ feedback store: The feedback store .*verbatim\.db could not be read: .* — the bot answers without votes or the unanswered queue/,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('doctor reports a token Discord rejects, and a token of another application', async () => {
    emulator = await new DiscordEmulator({
      token: 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.another-token-the-bot-does-not-have0',
      applicationId: TEST_APPLICATION_ID,
    }).start();
    const rejected = await runEntry('cli/doctor', { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, DISCORD_API_BASE: emulator.apiBase });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('✘ Discord: Discord rejected the bot token (HTTP 401). Reset the token');
    await emulator.stop();

    emulator = await new DiscordEmulator({ token: TEST_TOKEN, applicationId: '100000000000000999' }).start();
    const other = await runEntry('cli/doctor', { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, DISCORD_API_BASE: emulator.apiBase });
    expect(other.stdout).toContain(
      '✘ Discord: the token belongs to application 100000000000000999, but DISCORD_CLIENT_ID is 100000000000000001: set it to 100000000000000999.',
    );
    expect(rejected.stdout + rejected.stderr + other.stdout + other.stderr).not.toContain(TEST_TOKEN);
  }, 60_000);

  it('deploy-commands: a rejected token exits 2 and an unreachable API exits 1, each with one line and no stack', async () => {
    emulator = await new DiscordEmulator({
      token: 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.another-token-the-bot-does-not-have0',
      applicationId: TEST_APPLICATION_ID,
    }).start();
    const rejected = await runEntry('cli/deploy-commands', {
      DISCORD_TOKEN: TEST_TOKEN,
      DISCORD_CLIENT_ID: TEST_APPLICATION_ID,
      DISCORD_API_BASE: emulator.apiBase,
    });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toBe(
      'Error: Discord rejected the bot token (HTTP 401). Reset the token on the Bot page of the Discord Developer Portal and set DISCORD_TOKEN to the new one.\n',
    );
    const apiBase = emulator.apiBase;
    await emulator.stop();
    emulator = undefined;
    const unreachable = await runEntry('cli/deploy-commands', { DISCORD_TOKEN: TEST_TOKEN, DISCORD_CLIENT_ID: TEST_APPLICATION_ID, DISCORD_API_BASE: apiBase });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^Error: cannot reach Discord at http:\/\/127\.0\.0\.1:\d+\/api \(ECONNREFUSED\): check the network, a proxy, and DISCORD_API_BASE\.\n$/,
    );
  }, 60_000);
});
