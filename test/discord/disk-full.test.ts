import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import { mountSmallDisk } from '../helpers/small-disk.js';
import { bodyOf, startBot, type MessageBody, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();

// The index on a real, small file system (tmpfs) that the test fills up.
const disk = await mountSmallDisk(4 * 1024 * 1024);

describe.skipIf(!disk)('/reindex on a full disk', () => {
  const fullDisk = disk!;
  const indexDir = path.join(fullDisk.dir, 'index');
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot({ env: { INDEX_DIR: indexDir } });
  }, 120_000);

  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
    await fullDisk.unmount();
  });

  /** Runs /reindex as a moderator; resolves with the reply's last words (after the progress lines). */
  async function reindex(): Promise<string> {
    const interaction = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    const ending = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' && request.route.includes(interaction.token) && /^Reindex(ed| failed)/.test(String((request.body as MessageBody).content)),
      20_000,
    );
    return bodyOf(ending).content!;
  }

  it('tells the moderator the disk is full at the index folder, keeps answering from the previous index, and reindexes once there is room', async () => {
    await fullDisk.fill();
    expect(await reindex()).toBe(
      `Reindex failed: Disk full at ${indexDir}: free some space and run /reindex (or \`npm run index\`) again.\nThe previous index keeps serving.`,
    );
    expect(bot.log()).toContain(`WARN  reindex failed: Disk full at ${indexDir}`);
    expect(bot.log()).not.toContain('Something went wrong');

    const ask = await bot.emulator.sendChatInput({
      commandName: 'ask',
      options: { question: 'Why was the Budapest summit cancelled?' },
      user: { id: snowflake() },
    });
    expect(bodyOf(await bot.emulator.waitForOriginalEdit(ask.id, 10_000)).embeds![0]!.description).toContain('refused to soften its hardline demands');

    await fullDisk.unfill();
    expect(await reindex()).toMatch(/^Reindexed in /);
  }, 60_000);
});
