import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationCommandOptionType, MessageFlags, PermissionFlagsBits, type APIAttachment } from 'discord.js';
import { bodyOf, startBot, type MessageBody, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';
import { COPPER, COPPER_QUESTION } from '../helpers/core.js';

const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();
const MEMBER = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages).toString();
const MODERATOR_ROLE = '300000000000000003';

/** Extra articles written before the bot starts, so that `/article list` has two pages. */
const EXTRA = 11;

describe('/article against the Discord API emulator', () => {
  let bot: RunningBot;
  let moderator: string;
  /** What the emulator saw, among it each download from its CDN. */
  const emulatorLog: string[] = [];

  beforeAll(async () => {
    moderator = snowflake();
    bot = await startBot({
      env: { MODERATOR_ROLE_IDS: MODERATOR_ROLE },
      emulator: { log: (line) => emulatorLog.push(line) },
      prepare: async (corpusDir) => {
        for (let i = 1; i <= EXTRA; i++) {
          const n = String(i).padStart(2, '0');
          await writeFile(
            path.join(corpusDir, `note-${n}.md`),
            `---\ntitle: Shipping note ${n}\ndate: 2026-01-${n}\nsource: Harbour Gazette\n---\nFreight rates in the Baltic moved again in week ${i}. Port officials blamed the weather.\n`,
          );
        }
      },
    });
  }, 120_000);

  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
  });

  /** Sends `/article <subcommand>` as the moderator, with an attachment as `file` when given. */
  function article(
    subcommand: string,
    options: Record<string, string | boolean> = {},
    attachment?: APIAttachment,
    as: { permissions?: string; roles?: string[] } = { permissions: MODERATOR },
  ) {
    return bot.emulator.sendChatInput({
      commandName: 'article',
      subcommand,
      options: { ...(attachment ? { file: { type: ApplicationCommandOptionType.Attachment, value: attachment.id } } : {}), ...options },
      ...(attachment ? { resolved: { attachments: { [attachment.id]: attachment } } } : {}),
      user: { id: moderator, username: 'mod' },
      ...as,
    });
  }

  /** The reply's last edit once it is no longer a progress or waiting line. */
  async function outcome(interaction: { token: string }, timeoutMs = 60_000): Promise<string> {
    const ending = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.route.includes(interaction.token) &&
        !/^(Reindexing…|Waiting)/.test(String((request.body as MessageBody).content)),
      timeoutMs,
    );
    return bodyOf(ending).content!;
  }

  async function ask(question: string) {
    const interaction = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question }, user: { id: snowflake() } });
    return bodyOf(await bot.emulator.waitForOriginalEdit(interaction.id, 10_000));
  }

  it('refuses every subcommand to a member without Manage Server or a moderator role, and suggests nothing to them', async () => {
    const file = bot.emulator.uploadAttachment('copper.txt', COPPER);
    for (const [subcommand, options, attachment] of [
      ['list', {}, undefined],
      ['add', {}, file],
      ['remove', { source: 'note-01.md' }, undefined],
    ] as const) {
      const interaction = await article(subcommand, options, attachment, { permissions: MEMBER });
      expect(bodyOf(await bot.emulator.waitForCallback(interaction.id))).toMatchObject({
        content: 'Only moderators (Manage Server, or a moderator role) can manage the articles.',
        flags: MessageFlags.Ephemeral,
      });
    }
    const typing = await bot.emulator.sendAutocomplete({
      commandName: 'article',
      subcommand: 'remove',
      options: { source: 'note' },
      focused: 'source',
      permissions: MEMBER,
    });
    expect(((await bot.emulator.waitForCallback(typing.id)).body as { data: { choices: unknown[] } }).data.choices).toEqual([]);
    expect(await readdir(bot.corpusDir)).not.toContain('copper.txt');
    expect(bot.log()).not.toContain('/article add by');
  });

  it('adds an attached article with the given front matter, indexes it and says so; members can then ask about it', async () => {
    const file = bot.emulator.uploadAttachment('Copper report.md', `---\nauthor: Jane Doe\n---\n${COPPER}`);
    const interaction = await article('add', { title: 'Copper surges', date: '2026-11-20', source: 'Reuters', url: 'https://example.com/copper' }, file);
    expect(bodyOf(await bot.emulator.waitForCallback(interaction.id)).flags).toBe(MessageFlags.Ephemeral);
    const reply = await outcome(interaction);
    expect(reply).toMatch(/^Added \*\*Copper surges\*\* \(2 sentences\) as `Copper-report\.md`\.\nReindexed in [\d.]+ s: 13 documents, /);
    expect(reply).toContain('Added 1 · changed 0 · removed 0 · unchanged 12 · skipped 0');
    const saved = await readFile(path.join(bot.corpusDir, 'Copper-report.md'), 'utf8');
    expect(saved).toBe(`---\nauthor: Jane Doe\ntitle: Copper surges\ndate: 2026-11-20\nurl: https://example.com/copper\nsource: Reuters\n---\n${COPPER}`);
    expect(bot.log()).toMatch(/INFO {2}article added by mod \(\d+\): Copper-report\.md/);

    const answer = await ask(COPPER_QUESTION);
    expect(answer.embeds![0]!.description).toContain('Copper prices surged on Tuesday');
  }, 120_000);

  it('refuses bad attachments with the reason, and writes nothing', async () => {
    const before = (await readdir(bot.corpusDir)).sort();
    const cases: [APIAttachment, Record<string, string | boolean>, string][] = [
      [bot.emulator.uploadAttachment('binary.txt', Buffer.from([0x41, 0x00, 0x42, 0x43])), {}, '`binary.txt` was not added: binary file (contains NUL bytes).'],
      [bot.emulator.uploadAttachment('latin1.txt', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x2e])), {}, '`latin1.txt` was not added: not UTF-8 text.'],
      [bot.emulator.uploadAttachment('declared.txt', COPPER, { size: 11 * 1024 * 1024 }), {}, '`declared.txt` was not added: 11.0 MB is over the 10.0 MB cap.'],
      // Declared small, but the download says (and is) larger.
      [
        bot.emulator.uploadAttachment('actual.txt', Buffer.alloc(10 * 1024 * 1024 + 10, 'a'), { size: 2000 }),
        {},
        '`actual.txt` was not added: 10.0 MB is over the 10.0 MB cap.',
      ],
      [bot.emulator.uploadAttachment('../escape.md', COPPER), {}, '`../escape.md` was not added: a file name must not contain `/` or `\\` (no folders).'],
      [
        bot.emulator.uploadAttachment('.hidden.md', COPPER),
        {},
        '`.hidden.md` was not added: a file name must not start with `.` (hidden files are never indexed).',
      ],
      [
        bot.emulator.uploadAttachment('report.pdf', COPPER, { contentType: 'application/pdf' }),
        {},
        '`report.pdf` was not added: only `.txt` and `.md` files are articles.',
      ],
      [
        bot.emulator.uploadAttachment('note-01.md', COPPER),
        {},
        '`note-01.md` was not added: an article with that file name exists; set `replace` to True to replace it.',
      ],
      [
        bot.emulator.uploadAttachment('dated.txt', COPPER),
        { date: '2026-13-01' },
        '`dated.txt` was not added: the date must be a day written YYYY-MM-DD (got "2026-13-01").',
      ],
      [
        bot.emulator.uploadAttachment('link.md', COPPER),
        { url: 'javascript:alert(1)' },
        '`link.md` was not added: the url must be an http:// or https:// address.',
      ],
    ];
    for (const [file, options, expected] of cases) {
      const interaction = await article('add', options, file);
      expect(await outcome(interaction)).toBe(expected);
    }
    expect((await readdir(bot.corpusDir)).sort()).toEqual(before);
    expect(bot.log()).toMatch(/WARN {2}\/article add by mod \(\d+\) refused: `binary\.txt` was not added/);
    // Refused before anything was downloaded: the declared size, the name, the existing file.
    const downloaded = emulatorLog.filter((line) => line.startsWith('CDN GET')).join('\n');
    expect(downloaded).toContain('/binary.txt');
    for (const name of ['declared.txt', 'escape.md', 'report.pdf', 'note-01.md']) expect(downloaded).not.toContain(encodeURIComponent(name));
  }, 120_000);

  it('replaces an article with replace:True, for a member with a moderator role', async () => {
    const file = bot.emulator.uploadAttachment('note-01.md', 'Freight rates in the Baltic fell sharply this week. Port officials blamed the strike.\n');
    const interaction = await article('add', { replace: true }, file, { permissions: MEMBER, roles: [MODERATOR_ROLE] });
    const reply = await outcome(interaction);
    expect(reply).toMatch(/^Replaced \*\*Freight rates in the Baltic fell sharply this week\.\*\* \(2 sentences\) as `note-01\.md`\./);
    expect(reply).toContain('changed 1');
  }, 120_000);

  it('suggests the articles by title or file name, and removes the chosen one into removed/ beside the corpus', async () => {
    const typing = await bot.emulator.sendAutocomplete({
      commandName: 'article',
      subcommand: 'remove',
      options: { source: 'copper' },
      focused: 'source',
      permissions: MODERATOR,
    });
    const choices = ((await bot.emulator.waitForCallback(typing.id)).body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(choices).toEqual([{ name: 'Copper surges (Copper-report.md)', value: 'Copper-report.md' }]);
    const byName = await bot.emulator.sendAutocomplete({
      commandName: 'article',
      subcommand: 'remove',
      options: { source: '' },
      focused: 'source',
      permissions: MODERATOR,
    });
    const all = ((await bot.emulator.waitForCallback(byName.id)).body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(all).toHaveLength(13);
    expect(all.every((choice) => choice.name.length <= 100 && choice.value.length <= 100)).toBe(true);

    const interaction = await article('remove', { source: 'Copper-report.md' });
    const reply = await outcome(interaction);
    expect(reply).toMatch(/^Removed `Copper-report\.md` \(\*\*Copper surges\*\*\): moved to `removed\/Copper-report\.md` beside the corpus folder/);
    expect(reply).toContain('removed 1');
    expect(await readFile(path.join(path.dirname(bot.corpusDir), 'removed', 'Copper-report.md'), 'utf8')).toContain(COPPER);
    expect(await readdir(bot.corpusDir)).not.toContain('Copper-report.md');
    expect(bot.log()).toMatch(/INFO {2}article removed by mod \(\d+\): Copper-report\.md, moved to removed\/Copper-report\.md/);
    const answer = await ask(COPPER_QUESTION);
    expect(JSON.stringify(answer.embeds)).not.toContain('Copper surges');

    const unknown = await article('remove', { source: '../corpus/note-02.md' });
    expect(await outcome(unknown)).toBe('There is no article `../corpus/note-02.md` in the corpus. Pick one from the list.');
  }, 120_000);

  it('lists the articles a page at a time, with Previous and Next', async () => {
    const interaction = await article('list');
    const first = bodyOf(await bot.emulator.waitForCallback(interaction.id));
    expect(first.flags).toBe(MessageFlags.Ephemeral);
    expect(first.embeds![0]!.title).toBe('Articles (12)');
    expect(first.embeds![0]!.footer!.text).toMatch(/^Page 1 of 2/);
    expect(first.embeds![0]!.description).toContain('• Shipping note 02 — 2026-01-02 — Harbour Gazette — 2 sentences\n  `note-02.md`');
    const buttons = first.components![0]!.components as { custom_id: string; label: string; disabled?: boolean }[];
    expect(buttons.map((button) => [button.label, button.custom_id, button.disabled ?? false])).toEqual([
      ['Previous', 'article-list:-1', true],
      ['Next', 'article-list:1', false],
    ]);

    const next = await bot.emulator.sendButton({ customId: 'article-list:1', permissions: MODERATOR });
    const callback = (await bot.emulator.waitForCallback(next.id)).body as { type: number; data: MessageBody };
    expect(callback.type).toBe(7);
    expect(callback.data.embeds![0]!.footer!.text).toMatch(/^Page 2 of 2/);
    expect(callback.data.embeds![0]!.description!.split('\n•')).toHaveLength(2);

    const refused = await bot.emulator.sendButton({ customId: 'article-list:1', permissions: MEMBER });
    expect(bodyOf(await bot.emulator.waitForCallback(refused.id)).content).toBe(
      'Only moderators (Manage Server, or a moderator role) can manage the articles.',
    );
  });

  it('keeps an added article and the previous index when the reindex fails, and tells the moderator', async () => {
    const stray = path.join(bot.indexDir, 'notes.txt');
    await writeFile(stray, 'not an index file');
    try {
      const file = bot.emulator.uploadAttachment('tin.txt', 'Tin prices fell on Wednesday as smelters restarted.\n');
      const interaction = await article('add', {}, file);
      const reply = await outcome(interaction);
      expect(reply).toMatch(
        /^Saved \*\*Tin prices fell on Wednesday as smelters restarted\.\*\* as `tin\.txt` in the corpus, but the reindex failed: .*is not an index Verbatim wrote/s,
      );
      expect(reply).toContain('The previous index keeps serving');
      expect(await readFile(path.join(bot.corpusDir, 'tin.txt'), 'utf8')).toContain('Tin prices fell');
      expect(bot.log()).toMatch(/WARN {2}reindex after \/article add failed \(tin\.txt stays in the corpus\)/);
      expect((await ask('What did Trump call the meeting?')).embeds![0]!.description).toContain('wasted meeting');
      // Not indexed, still listed for removal by its file name.
      const typing = await bot.emulator.sendAutocomplete({
        commandName: 'article',
        subcommand: 'remove',
        options: { source: 'tin' },
        focused: 'source',
        permissions: MODERATOR,
      });
      expect(((await bot.emulator.waitForCallback(typing.id)).body as { data: { choices: unknown[] } }).data.choices).toEqual([
        { name: 'tin.txt (not indexed)', value: 'tin.txt' },
      ]);
    } finally {
      await rm(stray, { force: true });
    }
    const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    expect(await outcome(reindex)).toMatch(/Added 1 ·/);
  }, 120_000);
});
