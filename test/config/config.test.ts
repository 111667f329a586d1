import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configuredSecrets, parseConfig } from '../../src/config/config.js';

const DISCORD = { DISCORD_TOKEN: 'aaaa.bbbb.cccc', DISCORD_CLIENT_ID: '123456789012345678' };

function problemsOf(env: Record<string, string>, needs: 'core' | 'bot' = 'bot'): string[] {
  try {
    parseConfig(env, needs, '/srv/verbatim');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('has offline defaults for the core, relative to the working directory', () => {
    const config = parseConfig({}, 'core', '/srv/verbatim');
    expect(config).toEqual({
      corpusDir: path.resolve('/srv/verbatim/corpus'),
      indexDir: path.resolve('/srv/verbatim/data/index'),
      embeddings: { provider: 'local', cacheDir: path.resolve('/srv/verbatim/data/cache') },
      maxQuotes: 3,
    });
  });

  it('parses the Discord variables', () => {
    const config = parseConfig(
      {
        ...DISCORD,
        DISCORD_GUILD_ID: '223456789012345678',
        MODERATOR_ROLE_IDS: '323456789012345678, 423456789012345678',
        ASK_RATE_LIMIT: '3/30',
        ALLOWED_CHANNEL_IDS: '523456789012345678',
      },
      'bot',
    );
    expect(config.discord).toMatchObject({
      guildId: '223456789012345678',
      moderatorRoleIds: ['323456789012345678', '423456789012345678'],
      allowedChannelIds: ['523456789012345678'],
      askRateLimit: { requests: 3, perSeconds: 30 },
      apiBase: 'https://discord.com/api',
      globalRequestsPerSecond: 50,
      dataDir: path.resolve(process.cwd(), 'data'),
      feedback: { retentionDays: 90, maxRows: 10_000 },
    });
    const feedback = parseConfig({ ...DISCORD, DATA_DIR: '/var/lib/verbatim', FEEDBACK_RETENTION_DAYS: '30', FEEDBACK_MAX_ROWS: '500' }, 'bot');
    expect(feedback.discord).toMatchObject({ dataDir: path.resolve('/var/lib/verbatim'), feedback: { retentionDays: 30, maxRows: 500 } });
    expect(problemsOf({ ...DISCORD, FEEDBACK_RETENTION_DAYS: '0', FEEDBACK_MAX_ROWS: 'lots' })).toEqual([
      'FEEDBACK_RETENTION_DAYS must be a whole number from 1 to 3650, got "0".',
      'FEEDBACK_MAX_ROWS must be a whole number from 1 to 10000000, got "lots".',
    ]);
  });

  it('reports every problem at once and never echoes the token', () => {
    const problems = problemsOf({
      DISCORD_TOKEN: 'secret-without-dots',
      DISCORD_CLIENT_ID: 'abc',
      ASK_RATE_LIMIT: '0/5',
      EMBEDDINGS: 'bert',
      OPENAI_BASE_URL: 'ftp://x',
      MAX_QUOTES: '50',
      DISCORD_API_BASE: 'nope',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).not.toContain('secret-without-dots');
    expect(new ConfigError(problems).message).toMatch(/^Configuration problems:\n {2}- /);
  });

  it('needs nothing from Discord for the core', () => {
    expect(problemsOf({}, 'core')).toEqual([]);
    expect(problemsOf({}, 'bot')).toEqual([
      'DISCORD_TOKEN is missing (the bot token from the Developer Portal, Bot page).',
      'DISCORD_CLIENT_ID is missing (the Application ID from the Developer Portal, General Information page).',
    ]);
  });

  it('configures an OpenAI-compatible endpoint', () => {
    const config = parseConfig(
      { EMBEDDINGS: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/', OPENAI_API_KEY: 'k', EMBEDDINGS_MODEL: 'nomic-embed-text' },
      'core',
    );
    expect(config.embeddings).toEqual({ provider: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'k', model: 'nomic-embed-text' });
  });

  it('refuses an index folder that is or contains the corpus, the working folder or the cache, with every other problem', () => {
    const problems = (env: Record<string, string>) => problemsOf(env, 'core');
    expect(problems({ INDEX_DIR: 'corpus' })).toEqual([
      'INDEX_DIR (or --index) is the corpus folder (CORPUS_DIR), /srv/verbatim/corpus: the index needs a folder of its own, such as data/index.',
    ]);
    expect(problems({ INDEX_DIR: '.' })).toEqual([
      expect.stringMatching(/^INDEX_DIR \(or --index\) contains the corpus folder \(CORPUS_DIR\)/),
      expect.stringMatching(/^INDEX_DIR \(or --index\) is the working folder, \/srv\/verbatim:/),
      expect.stringMatching(/^INDEX_DIR \(or --index\) contains the word-vector cache \(CACHE_DIR\)/),
      expect.stringMatching(/^INDEX_DIR \(or --index\) contains the data folder \(DATA_DIR\)/),
    ]);
    expect(problems({ INDEX_DIR: '/' })).toHaveLength(4);
    expect(problems({ INDEX_DIR: 'data' })).toEqual([
      expect.stringMatching(/contains the word-vector cache \(CACHE_DIR\), \/srv\/verbatim\/data\/cache/),
      'INDEX_DIR (or --index) is the data folder (DATA_DIR), /srv/verbatim/data: the index needs a folder of its own, such as data/index.',
    ]);
    // The feedback database sits beside the index by default (data/verbatim.db, data/index), never inside it.
    expect(problems({ DATA_DIR: 'data/index/feedback' })).toEqual([
      expect.stringMatching(/^INDEX_DIR \(or --index\) contains the data folder \(DATA_DIR\), \/srv\/verbatim\/data\/index\/feedback/),
    ]);
    expect(problems({ DATA_DIR: 'state', INDEX_DIR: 'state/index' })).toEqual([]);
    expect(problems({ INDEX_DIR: '/srv/articles/index', CORPUS_DIR: '/srv/articles/index/2025' })).toEqual([
      expect.stringMatching(/contains the corpus folder/),
    ]);
    expect(problems({ INDEX_DIR: 'cache', CACHE_DIR: 'cache', MAX_QUOTES: '0' })).toEqual([
      expect.stringMatching(/^MAX_QUOTES/),
      expect.stringMatching(/is the word-vector cache \(CACHE_DIR\)/),
    ]);
    // Beside or inside them is fine.
    expect(problems({ INDEX_DIR: 'corpus-index' })).toEqual([]);
    expect(problems({ INDEX_DIR: 'corpus/.index' })).toEqual([]);
  });

  it('sees through links: an index path that leads to the corpus is refused', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'verbatim-config-'));
    try {
      await mkdir(path.join(work, 'articles'));
      await symlink(path.join(work, 'articles'), path.join(work, 'looks-harmless'));
      const problems = problemsOf({ CORPUS_DIR: path.join(work, 'articles'), INDEX_DIR: path.join(work, 'looks-harmless') }, 'core');
      expect(problems).toEqual([expect.stringMatching(/^INDEX_DIR \(or --index\) is the corpus folder/)]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('never quotes a token or key given to the wrong variable (DISCORD_TOKEN and DISCORD_CLIENT_ID swapped, a key as a number)', () => {
    const token = 'MTAwMDAwMDAwMDAwMDAwMDAw.GAbCdE.swapped-token-value-0123456789';
    const key = 'sk-proj-0123456789abcdefSECRET';
    const problems = problemsOf({
      DISCORD_TOKEN: '123456789012345678',
      DISCORD_CLIENT_ID: token,
      DISCORD_GUILD_ID: key,
      MODERATOR_ROLE_IDS: `323456789012345678, ${token}`,
      ASK_RATE_LIMIT: token,
      MAX_QUOTES: key,
      EMBEDDINGS: key,
      DISCORD_API_BASE: token,
    });
    const text = problems.join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain(key);
    expect(problems).toContain('DISCORD_CLIENT_ID must be a Discord id (17 to 20 digits), got a value shaped like a token or key (not shown).');
    expect(problems).toContain('DISCORD_TOKEN does not look like a bot token (three dot-separated parts).');
    expect(problems).toHaveLength(8);
    // A configured secret is never quoted even when it is not shaped like one.
    const short = problemsOf({ DISCORD_TOKEN: 'a.b.c', DISCORD_CLIENT_ID: 'a.b.c', EMBEDDINGS: 'openai', OPENAI_API_KEY: 'hunter2', MAX_QUOTES: 'hunter2' });
    expect(short.join('\n')).not.toMatch(/a\.b\.c|hunter2/);
    // Ordinary mistakes are still quoted, to be found.
    expect(problemsOf({ ...DISCORD, MAX_QUOTES: 'three' })).toEqual(['MAX_QUOTES must be a whole number from 1 to 10, got "three".']);
  });

  it('shows URLs without their user name and password, and lists those as secrets', () => {
    const problems = problemsOf({ EMBEDDINGS: 'openai', OPENAI_BASE_URL: 'ftp://admin:hunter2-password@gateway.internal/v1' }, 'core');
    expect(problems).toEqual(['OPENAI_BASE_URL must be an http(s) URL, got "ftp://***@gateway.internal/v1".']);
    const withKey = problemsOf(
      { EMBEDDINGS: 'openai', OPENAI_BASE_URL: 'https://admin:hunter2-password@gateway.internal/v1', OPENAI_API_KEY: 'sk-0123456789abcdef' },
      'core',
    );
    expect(withKey).toEqual([expect.stringMatching(/^OPENAI_BASE_URL holds a user name or password and OPENAI_API_KEY is set/)]);
    const config = parseConfig(
      { ...DISCORD, EMBEDDINGS: 'openai', OPENAI_BASE_URL: 'https://admin:p%40ss-word-0123@gateway.internal/v1' },
      'bot',
      '/srv/verbatim',
    );
    expect(configuredSecrets(config)).toEqual([DISCORD.DISCORD_TOKEN, 'admin', 'p@ss-word-0123']);
  });
});
