import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import { bodyOf, startBot } from '../discord/bot-harness.js';
import { ROOT, runEntry } from '../helpers/entry.js';

const HEADER_BYTES = 96;
const FAR_AWAY = 0x4000_0000;

/**
 * Points the first link of every element at an element that does not exist, and records the
 * file's new hash in the manifest: damage the hash check cannot see, which made hnswlib crash
 * (SIGSEGV) on the first search.
 */
async function linkToNowhere(indexDir: string): Promise<void> {
  const graphFile = path.join(indexDir, 'chunks.hnsw');
  const bytes = await readFile(graphFile);
  const elements = Number(bytes.readBigUInt64LE(16));
  const blockSize = Number(bytes.readBigUInt64LE(24));
  for (let element = 0; element < elements; element++) {
    const block = HEADER_BYTES + element * blockSize;
    bytes.writeUInt16LE(Math.max(1, bytes.readUInt16LE(block)), block);
    bytes.writeUInt32LE(FAR_AWAY, block + 4);
  }
  await writeFile(graphFile, bytes);
  const manifestFile = path.join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: Record<string, string> };
  manifest.files['chunks.hnsw'] = createHash('sha256').update(bytes).digest('hex');
  await writeFile(manifestFile, JSON.stringify(manifest));
}

describe('a chunks.hnsw damaged behind a matching manifest hash', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-cli-graph-'));
    env = { CORPUS_DIR: path.join(ROOT, 'corpus'), INDEX_DIR: path.join(work, 'index') };
    expect((await runEntry('cli/index-command', env)).code).toBe(0);
    await linkToNowhere(env.INDEX_DIR!);
  }, 60_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('makes ask fail with a clear message instead of crashing, and doctor report ✘', async () => {
    const ask = await runEntry('cli/ask', env, ['Why is peace elusive?']);
    expect(ask.code).toBe(1);
    expect(ask.stderr).toMatch(
      /^Error: The index in .* is unreadable \(chunks\.hnsw links element 0 to element 1073741824 on level 0, but has 9 elements\)\. Rebuild it with `npm run index`\./m,
    );
    expect(ask.stderr).not.toMatch(/\n\s+at /);
    const doctor = await runEntry('cli/doctor', env);
    expect(doctor.stdout).toMatch(/^✘ index: The index in .* is unreadable \(chunks\.hnsw links element 0/m);
    expect(doctor.code).toBe(1);
  }, 30_000);

  it('is rebuilt by npm run index although no article changed, after which ask answers and doctor is satisfied', async () => {
    const index = await runEntry('cli/index-command', env);
    expect(index.code).toBe(0);
    expect(index.stderr).toMatch(
      /warning: indexing every article again, the previous index cannot be reused: The index in .* is unreadable \(chunks\.hnsw links element 0/,
    );
    expect(index.stdout).toMatch(/^Indexed 1 document\(s\), 9 chunks, 22 sentences/);
    const ask = await runEntry('cli/ask', env, ['--json', 'Who reported the cancellation?']);
    expect(ask.code).toBe(0);
    expect(JSON.parse(ask.stdout).abstained).toBe(false);
    expect((await runEntry('cli/doctor', env)).stdout).toMatch(/^✔ index: 1 documents, 9 chunks/m);
  }, 60_000);
});

describe('/reindex over a damaged graph', () => {
  it('indexes every article again and tells the moderator why', async () => {
    const bot = await startBot();
    try {
      await linkToNowhere(bot.indexDir);
      const reindex = await bot.emulator.sendChatInput({ commandName: 'reindex', permissions: PermissionFlagsBits.ManageGuild.toString() });
      const summary = await bot.emulator.waitForRequest(
        (request) => request.method === 'PATCH' && request.route.includes(reindex.token) && String(bodyOf(request).content).includes('Reindexed in'),
        60_000,
      );
      expect(bodyOf(summary).content).toMatch(
        /Every article was indexed again: the previous index could not be updated \(.*chunks\.hnsw links element 0 to element 1073741824/,
      );
    } finally {
      await bot.stop();
    }
  }, 120_000);
});
