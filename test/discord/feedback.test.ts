import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MessageFlags, PermissionFlagsBits, type APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, startBot, type MessageBody, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();
const MEMBER = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages).toString();
const GUILD = snowflake();
const ALICE = snowflake();
const BOB = snowflake();

/** The custom ids of a message's buttons, in order. */
function customIds(message: MessageBody | APIMessage): string[] {
  return (message.components ?? []).flatMap((row) =>
    ('components' in row ? row.components : []).map((component) => ('custom_id' in component ? String(component.custom_id) : '')),
  );
}

async function waitForLog(bot: RunningBot, pattern: RegExp, timeoutMs = 5000): Promise<void> {
  for (let waited = 0; !pattern.test(bot.log()) && waited < timeoutMs; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(bot.log()).toMatch(pattern);
}

async function ask(bot: RunningBot, question: string, user = snowflake()) {
  const interaction = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question }, user: { id: user } });
  const edit = bodyOf(await bot.emulator.waitForOriginalEdit(interaction.id, 10_000));
  return { interaction, edit, message: bot.emulator.originalMessage(interaction.id)! };
}

async function press(bot: RunningBot, customId: string, message: APIMessage, options: { user?: string; permissions?: string } = {}) {
  const button = await bot.emulator.sendButton({
    customId,
    message,
    user: { id: options.user ?? snowflake() },
    ...(options.permissions ? { permissions: options.permissions } : {}),
  });
  const callback = await bot.emulator.waitForCallback(button.id);
  return { type: (callback.body as { type: number }).type, reply: bodyOf(callback) };
}

async function listUnanswered(bot: RunningBot, permissions = MODERATOR) {
  const interaction = await bot.emulator.sendChatInput({ commandName: 'unanswered', permissions });
  const reply = bodyOf(await bot.emulator.waitForCallback(interaction.id));
  return { reply, message: bot.emulator.originalMessage(interaction.id)!, text: JSON.stringify(reply.embeds ?? []) + (reply.content ?? '') };
}

describe('feedback and the unanswered queue, against the Discord API emulator', () => {
  let dataDir: string;
  let bot: RunningBot;
  /** The first answer voted on, to vote on again after the restart. */
  let voted: { message: APIMessage; up: string; down: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-data-'));
    bot = await startBot({ env: { DATA_DIR: dataDir }, emulator: { guildId: GUILD } });
  }, 120_000);

  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('opens the store under DATA_DIR, in WAL mode', async () => {
    await waitForLog(bot, /feedback store open: .*verbatim\.db/);
    const db = new Database(path.join(dataDir, 'verbatim.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('puts 👍 / 👎 beside Show passages; one vote per member, changeable, each member counted', async () => {
    const { interaction, edit, message } = await ask(bot, 'What did Rubio tell Trump?', ALICE);
    expect(edit.embeds![0]!.description).not.toMatch(/not sure/);
    const ids = customIds(edit);
    expect(ids).toEqual([expect.stringMatching(/^passages:[\w-]{8,91}$/), `vote:up:${interaction.id}`, `vote:down:${interaction.id}`, 'followup:']);
    voted = { message, up: ids[1]!, down: ids[2]! };

    const first = await press(bot, voted.down, message, { user: ALICE });
    expect(first.reply.flags).toBe(MessageFlags.Ephemeral);
    expect(first.reply.content).toMatch(/^Recorded your 👎, thank you\. The moderators will see this question.*\(👍 0 · 👎 1\)$/);
    expect((await press(bot, voted.down, message, { user: ALICE })).reply.content).toMatch(/^You had already voted 👎; kept it.*\(👍 0 · 👎 1\)$/);
    expect((await press(bot, voted.up, message, { user: ALICE })).reply.content).toMatch(/^Changed your vote to 👍, thank you\. \(👍 1 · 👎 0\)$/);
    expect((await press(bot, voted.down, message, { user: BOB })).reply.content).toMatch(/^Recorded your 👎.*\(👍 1 · 👎 1\)$/);
  });

  it('records abstained and tentative questions, and lists them with the 👎 for moderators, most frequent first', async () => {
    const abstained = await ask(bot, 'What did Angela Merkel say about the summit?', ALICE);
    expect(abstained.edit.embeds![0]!.description).toContain("I couldn't find that");
    expect(abstained.edit.components).toEqual([]);
    await ask(bot, 'What did Angela Merkel say about the summit?', BOB);
    const tentative = await ask(bot, 'how old is marco rubio?', ALICE);
    expect(tentative.edit.embeds![0]!.description).toMatch(/not sure the articles answer this/);
    // A DM is nobody's queue: not recorded.
    const dm = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Who is Olaf Scholz?' }, dm: true });
    expect(customIds(bodyOf(await bot.emulator.waitForOriginalEdit(dm.id, 10_000)))).toEqual([]);

    const { reply, text } = await listUnanswered(bot);
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    const description = reply.embeds![0]!.description!;
    expect(description).toMatch(/^\*\*1\.\*\* What did Angela Merkel say about the summit\?\n2× \(2 not found\) — last <t:\d+:R>/);
    expect(description).toMatch(/how old is marco rubio\?\n1× \(1 unsure\) — last <t:\d+:R>/);
    expect(description).toMatch(/What did Rubio tell Trump\?\n1× \(1 👎\) — last <t:\d+:R>/);
    expect(text).not.toContain('Scholz');
    expect(customIds(reply)).toHaveLength(3);
    expect(customIds(reply).every((id) => /^unanswered:dismiss:\d+$/.test(id))).toBe(true);
  });

  it('refuses /unanswered and its Dismiss buttons to members who are not moderators', async () => {
    const { reply } = await listUnanswered(bot, MEMBER);
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content).toBe('Only moderators (Manage Server, or a moderator role) can see the unanswered questions.');
    const list = await listUnanswered(bot);
    const dismiss = await press(bot, customIds(list.reply)[0]!, list.message, { permissions: MEMBER });
    expect(dismiss.reply.content).toBe('Only moderators (Manage Server, or a moderator role) can dismiss unanswered questions.');
    expect((await listUnanswered(bot)).text).toContain('Merkel');
  });

  it('dismisses an entry: the list is shown again without it', async () => {
    const list = await listUnanswered(bot);
    const { type, reply } = await press(bot, customIds(list.reply)[0]!, list.message, { permissions: MODERATOR });
    expect(type).toBe(7); // UPDATE_MESSAGE: the ephemeral list is replaced
    expect(reply.content).toBe('Dismissed “What did Angela Merkel say about the summit?” (2×).');
    expect(JSON.stringify(reply.embeds)).not.toContain('Merkel');
    expect(customIds(reply)).toHaveLength(2);
    const again = await press(bot, customIds(list.reply)[0]!, list.message, { permissions: MODERATOR });
    expect(again.reply.content).toBe('That question was already dismissed.');
  });

  it('keeps answering when the store is locked by another process, and logs why', async () => {
    const db = new Database(path.join(dataDir, 'verbatim.db'));
    db.exec('BEGIN EXCLUSIVE');
    try {
      const { edit, message } = await ask(bot, 'What did Emmanuel Macron say about the summit?');
      expect(edit.embeds![0]!.description).toContain("I couldn't find that");
      await waitForLog(bot, /feedback: could not record an unanswered question; still answering.*database is locked/s);
      const answered = await ask(bot, 'Did the White House comment on the cancellation?');
      expect(answered.edit.embeds![0]!.description).toContain('have not publicly commented');
      const vote = await press(bot, customIds(answered.edit)[2]!, answered.message);
      expect(vote.reply.content).toBe("I couldn't record your vote right now, sorry. The moderators can find why in the log.");
      expect(message).toBeDefined();
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    expect(bot.child.exitCode).toBeNull();
    expect((await listUnanswered(bot)).text).not.toContain('Macron');
  });

  it('keeps the queue and the votes across a restart on the same DATA_DIR', async () => {
    expect(await bot.stop()).toBe(0);
    bot = await startBot({ env: { DATA_DIR: dataDir }, emulator: { guildId: GUILD } });
    const { text } = await listUnanswered(bot);
    expect(text).toContain('how old is marco rubio');
    expect(text).toContain('What did Rubio tell Trump?');
    expect(text).not.toContain('Merkel');
    // The buttons of an answer given before the restart still work, and remember each vote.
    expect((await press(bot, voted.up, voted.message, { user: ALICE })).reply.content).toMatch(/^You had already voted 👍; kept it.*\(👍 1 · 👎 1\)$/);
    expect((await press(bot, voted.up, voted.message, { user: BOB })).reply.content).toMatch(/^Changed your vote to 👍, thank you\. \(👍 2 · 👎 0\)$/);
    expect((await listUnanswered(bot)).text).not.toContain('Rubio tell');
  }, 120_000);
});

describe('a feedback store that cannot be opened', () => {
  let bot: RunningBot;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-nodata-'));
    // DATA_DIR names a file: the folder cannot be created, nor the database in it.
    await writeFile(path.join(work, 'not-a-folder'), 'a file');
    bot = await startBot({ env: { DATA_DIR: path.join(work, 'not-a-folder') } });
  }, 120_000);

  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
    await rm(work, { recursive: true, force: true });
  });

  it('logs it, and the bot still answers; votes and /unanswered say the store is unavailable', async () => {
    await waitForLog(bot, /feedback: the store cannot be opened .*still answering/s);
    expect(bot.log()).toMatch(/ready as/);
    const { edit, message } = await ask(bot, 'What did Rubio tell Trump?');
    expect(edit.embeds![0]!.description).toContain('no willingness to negotiate');
    expect((await ask(bot, 'What did Angela Merkel say?')).edit.embeds![0]!.description).toContain("I couldn't find that");
    const vote = await press(bot, customIds(edit)[2]!, message);
    expect(vote.reply.content).toMatch(/^I couldn't record your vote right now/);
    const { reply } = await listUnanswered(bot);
    expect(reply.content).toMatch(/^The feedback store is unavailable right now/);
    expect(await readFile(path.join(work, 'not-a-folder'), 'utf8')).toBe('a file');
    expect(bot.child.exitCode).toBeNull();
  });
});
