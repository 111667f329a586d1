import { describe, expect, it } from 'vitest';
import type { LogFormat } from '../../src/config/config.js';
import { createLogger } from '../../src/discord/logger.js';
import { startBot, TEST_TOKEN } from './bot-harness.js';

const SECRET = 'MTAw.secret.token-value';

function capture(format: LogFormat) {
  const lines: string[] = [];
  const logger = createLogger([SECRET], { format, write: (line) => lines.push(line) });
  return { logger, lines };
}

describe('createLogger', () => {
  it('redacts secrets from messages and stack traces', () => {
    const { logger, lines } = capture('text');
    logger.info(`connecting with ${SECRET}`);
    logger.error('failed', new Error(`401 for token ${SECRET}`));
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).toContain('[redacted]');
    expect(lines[1]).toMatch(/ERROR failed: Error: 401 for token \[redacted\]/);
  });

  it('writes the causes of an error, redacted, in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const { logger, lines } = capture(format);
      const cause = Object.assign(new Error(`socket to https://x/?t=${SECRET} reset`), { code: 'ECONNRESET' });
      logger.error('deferral failed', new Error('request failed', { cause }));
      const written = lines.join('');
      expect(written).not.toContain(SECRET);
      expect(written).toContain('ECONNRESET');
      expect(written).toContain('reset');
    }
  });

  it('text lines append the fields as key=value', () => {
    const { logger, lines } = capture('text');
    logger.info('answered /ask', { event: 'interaction', interactionId: '123', guildId: null, latencyMs: 12 });
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}answered \/ask \(interactionId=123 latencyMs=12\)\n$/);
  });

  it('json lines are one object each with time, level, message, fields and the error', () => {
    const { logger, lines } = capture('json');
    logger.info('answered /ask', { event: 'interaction', interactionId: '123', guildId: '456', latencyMs: 12 });
    logger.warn(`token ${SECRET} in a message`, { event: 'x', detail: SECRET });
    logger.error('failed', new TypeError('bad'));
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const [info, warn, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(info).toMatchObject({ level: 'info', msg: 'answered /ask', event: 'interaction', interactionId: '123', guildId: '456', latencyMs: 12 });
    expect(Number.isNaN(Date.parse(info!.time as string))).toBe(false);
    expect(warn).toMatchObject({ level: 'warn', msg: 'token [redacted] in a message', detail: '[redacted]' });
    expect(error).toMatchObject({ level: 'error', msg: 'failed', err: { type: 'TypeError', message: 'bad' } });
  });

  it('survives a cycle of causes', () => {
    const { logger, lines } = capture('json');
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    logger.error('loop', a);
    expect(lines).toHaveLength(1);
  });
});

describe('the bot with LOG_FORMAT=json', () => {
  it('writes only JSON lines: one per interaction with its id, guild and latency, never the token', async () => {
    const bot = await startBot({ env: { LOG_FORMAT: 'json' } });
    try {
      const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Why was the Budapest summit cancelled?' } });
      await bot.emulator.waitForOriginalEdit(ask.id, 10_000).catch(() => bot.emulator.waitForCallback(ask.id));
      for (let waited = 0; !bot.log().includes(ask.id) && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await bot.stop();
    }
    const lines = bot
      .log()
      .trimEnd()
      .split('\n')
      .filter((line) => !line.startsWith('Compiling TypeScript'));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.every((record) => typeof record.time === 'string' && typeof record.level === 'string' && typeof record.msg === 'string')).toBe(true);
    expect(records.find((record) => record.event === 'interaction')).toMatchObject({
      level: 'info',
      guildId: bot.emulator.guildId,
      latencyMs: expect.any(Number),
    });
    expect(records.map((record) => record.event)).toEqual(expect.arrayContaining(['index', 'ready', 'interaction', 'shutdown']));
    expect(bot.log()).not.toContain(TEST_TOKEN);
  }, 120_000);
});
