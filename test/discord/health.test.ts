import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { healthResponse } from '../../src/discord/health.js';
import { bodyOf, freePort, runEntry, startBot } from './bot-harness.js';

async function getHealth(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('GET /healthz (HEALTH_PORT)', () => {
  it('answers 200 with the index and the last reindex while serving, 503 once the gateway is down', async () => {
    const port = await freePort();
    const bot = await startBot({ env: { HEALTH_PORT: String(port) } });
    try {
      const serving = await getHealth(port);
      expect(serving.status).toBe(200);
      expect(serving.body).toMatchObject({ status: 'ok', gateway: 'ready', index: { documents: 1 }, lastReindex: null });
      expect(Date.parse((serving.body.index as { builtAt: string }).builtAt)).not.toBeNaN();

      await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: PermissionFlagsBits.ManageGuild.toString() });
      const afterReindex = await until(
        () => getHealth(port),
        (health) => health.body.lastReindex !== null,
        60_000,
      );
      expect(afterReindex.body.lastReindex).toMatchObject({ ok: true, documents: 1 });

      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST' })).status).toBe(405);

      // Discord gone: discord.js keeps trying to reconnect, and the report says the bot cannot answer.
      await bot.emulator.stop();
      const down = await until(
        () => getHealth(port),
        (health) => health.status === 503,
        20_000,
      );
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', gateway: 'not connected' });
    } finally {
      await bot.stop();
    }
  }, 120_000);

  it('reports damage a question met in the index (200, degraded) until a reindex replaces it', async () => {
    const port = await freePort();
    const bot = await startBot({
      env: { HEALTH_PORT: String(port) },
      // An index built beforehand, every byte of its sentence vectors then altered: the bot loads it
      // (a load checks the sizes, not these blocks), and the first question that reads them meets it.
      prepare: async (corpusDir, work) => {
        const indexDir = path.join(work, 'index');
        expect((await runEntry('cli/index-command', { CORPUS_DIR: corpusDir, INDEX_DIR: indexDir })).code).toBe(0);
        const file = path.join(indexDir, 'sentences.f32');
        const bytes = await readFile(file);
        for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
        await writeFile(file, bytes);
      },
    });
    try {
      expect((await getHealth(port)).body).toMatchObject({ status: 'ok' });

      const ask = await bot.emulator.sendChatInput({ commandName: 'ask', options: { question: 'Why was the Budapest summit cancelled?' } });
      expect(bodyOf(await bot.emulator.waitForFollowUp(ask.id, 10_000)).content).toMatch(/^I can't answer right now \(ref [0-9A-F]{6}\)/);
      const damaged = await getHealth(port);
      expect(damaged.status).toBe(200);
      expect(damaged.body).toMatchObject({
        status: 'degraded',
        index: { documents: 1, damaged: expect.stringMatching(/^sentences\.f32 .*block 0 differs from its hash/) },
      });

      // The reindex checks the previous index whole, so it builds anew from the articles.
      await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: PermissionFlagsBits.ManageGuild.toString() });
      const rebuilt = await until(
        () => getHealth(port),
        (health) => health.body.lastReindex !== null,
        60_000,
      );
      expect(rebuilt.body).toMatchObject({ status: 'ok', lastReindex: { ok: true } });
      expect((rebuilt.body.index as Record<string, unknown>).damaged).toBeUndefined();
    } finally {
      await bot.stop();
    }
  }, 120_000);

  it('is 503 while no index is loaded, even with the gateway up', () => {
    const { status, body } = healthResponse({ gatewayReady: true, startedAt: new Date() });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', gateway: 'ready', index: null });
  });

  it('binds to 127.0.0.1 unless HEALTH_HOST says otherwise', async () => {
    const port = await freePort();
    const bot = await startBot({ env: { HEALTH_PORT: String(port) } });
    try {
      expect(bot.log()).toContain(`health report at http://127.0.0.1:${port}/healthz`);
    } finally {
      await bot.stop();
    }
  }, 120_000);
});
