import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, startBot, type RunningBot } from './bot-harness.js';
import { snowflake } from './emulator.js';

/** Waits until the bot's log matches `pattern` (or 5 s pass), then returns the log. */
async function logOnceItMatches(bot: RunningBot, pattern: RegExp): Promise<string> {
  for (let waited = 0; !pattern.test(bot.log()) && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return bot.log();
}

describe('the bot through network faults and malformed gateway payloads', () => {
  let bot: RunningBot;

  beforeAll(async () => {
    bot = await startBot();
  }, 120_000);

  afterAll(async () => {
    expect(await bot?.stop()).toBe(0);
  });

  /** Sends /ask and resolves with the answer edited into the deferred reply. */
  async function askAndWaitForAnswer() {
    const interaction = await bot.emulator.sendChatInput({
      commandName: 'ask',
      options: { question: 'Why was the Budapest summit cancelled?' },
      user: { id: snowflake() },
    });
    return bodyOf(await bot.emulator.waitForOriginalEdit(interaction.id, 10_000));
  }

  it('answers /ask when the deferral reached Discord but its connection reset before the answer (the retry’s 40060 counts as deferred)', async () => {
    const interaction = bot.emulator.chatInputInteraction({
      commandName: 'ask',
      options: { question: 'Why was the Budapest summit cancelled?' },
      user: { id: snowflake() },
    });
    bot.emulator.resetCallbacks({ interactionId: interaction.id, reset: 'after-handling' });
    await bot.emulator.dispatchInteraction(interaction);
    const answer = bodyOf(await bot.emulator.waitForOriginalEdit(interaction.id, 10_000));
    expect(answer.embeds![0]!.description).toContain('refused to soften its hardline demands');
    expect(bot.emulator.callbacks(interaction.id).map((callback) => callback.status)).toEqual([undefined, 400]);
    expect(bot.log()).not.toContain(interaction.id);
  }, 30_000);

  it('gives up on a deferral after 3 reset connections with one clear line, sends no error through the dead path, and answers the next /ask', async () => {
    const interaction = bot.emulator.chatInputInteraction({
      commandName: 'ask',
      options: { question: 'Why was the Budapest summit cancelled?' },
      user: { id: snowflake() },
    });
    const stopResetting = bot.emulator.resetCallbacks({ interactionId: interaction.id, count: Infinity });
    const started = performance.now();
    await bot.emulator.dispatchInteraction(interaction);
    const log = await logOnceItMatches(bot, new RegExp(`/ask ${interaction.id}: could not`));
    stopResetting();
    expect(log).toContain(
      `ERROR /ask ${interaction.id}: could not acknowledge it, Discord unreachable (3 attempts: ECONNRESET, ECONNRESET, ECONNRESET); the member sees "The application did not respond"`,
    );
    // Three deferrals, well inside Discord's 3 s window, and no "Something went wrong" attempted.
    const callbacks = bot.emulator.callbacks(interaction.id);
    expect(callbacks.map((callback) => (callback.body as { type: number }).type)).toEqual([5, 5, 5]);
    expect(callbacks.at(-1)!.at - started).toBeLessThan(2000);
    expect(log).not.toMatch(/Something went wrong|unhandled rejection/);
    expect((await askAndWaitForAnswer()).embeds![0]!.description).toContain('refused to soften its hardline demands');
  }, 30_000);

  it('drops each malformed INTERACTION_CREATE with one warning, no unhandled rejection, and keeps answering', async () => {
    const valid = bot.emulator.chatInputInteraction({ commandName: 'ask', options: { question: 'Why was the Budapest summit cancelled?' } });
    const { member, ...withoutMember } = valid;
    const malformed = {
      'no data': { ...valid, id: snowflake(), data: undefined },
      'in a guild, neither member nor user': { ...withoutMember, id: snowflake() },
      'a member without its user': { ...valid, id: snowflake(), member: { ...member, user: undefined } },
      'no guild, member or user': { ...withoutMember, id: snowflake(), guild_id: undefined, guild: undefined },
    };
    for (const [what, payload] of Object.entries(malformed)) {
      await bot.emulator.dispatch('INTERACTION_CREATE', payload);
      const log = await logOnceItMatches(bot, new RegExp(`dropped a malformed interaction ${payload.id}`));
      expect(
        log.match(new RegExp(`WARN {2}dropped a malformed interaction ${payload.id}: discord.js could not read it \\(TypeError: `, 'g')),
        what,
      ).toHaveLength(1);
    }
    await bot.emulator.dispatch('INTERACTION_CREATE', null);
    await logOnceItMatches(bot, /dropped a malformed interaction without an id/);
    expect((await askAndWaitForAnswer()).embeds![0]!.description).toContain('refused to soften its hardline demands');
    expect(bot.log()).not.toContain('unhandled rejection');
    expect(bot.child.exitCode).toBeNull();
  }, 30_000);
});
