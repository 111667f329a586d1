import path from 'node:path';
import dotenv from 'dotenv';
import type { EmbeddingsOptions } from '../core/index/embeddings/factory.js';
import { isSameOrInside, resolveLinksSync } from '../core/paths.js';
import { BOT_TOKEN_SHAPE, looksLikeSecret, urlCredentials, withoutCredentials } from '../core/redact.js';

/** Every configuration problem found at once, one a line: the process prints it and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nSee .env.example for every variable.`);
  }
}

/** What the core needs: the same for the CLI, the bot and the tests. */
export interface CoreConfig {
  corpusDir: string;
  indexDir: string;
  embeddings: EmbeddingsOptions;
  maxQuotes: number;
}

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

/** `text`: one human-readable line per event; `json`: one JSON object per line, for log collectors. */
export type LogFormat = 'text' | 'json';

/** What the Discord side needs on top. The token is only ever read from here. */
export interface DiscordConfig {
  token: string;
  clientId: string;
  guildId?: string;
  moderatorRoleIds: string[];
  allowedChannelIds: string[];
  askRateLimit: RateLimit;
  apiBase: string;
  /** discord.js's client-side cap on REST requests per second (Discord's global limit is 50). */
  globalRequestsPerSecond: number;
  logFormat: LogFormat;
  /** Where `GET /healthz` is served; absent: no health endpoint. */
  health?: { host: string; port: number };
  /** The bot's own data (the feedback database, `verbatim.db`); default `./data`. */
  dataDir: string;
  /** How long and how much feedback (votes, unanswered questions) is kept. */
  feedback: { retentionDays: number; maxRows: number };
}

/**
 * Which parts of the configuration a command needs to be valid: `core` (embeddings, folders) for the
 * CLI; `bot` (the bot) and `deploy` (`npm run deploy-commands`) read and check the same Discord
 * variables on top, and differ only in who asks.
 */
export type ConfigNeeds = 'core' | 'bot' | 'deploy';

export interface Config extends CoreConfig {
  /** Present when the Discord variables were asked for and are valid. */
  discord?: DiscordConfig;
}

const SNOWFLAKE = /^\d{17,20}$/;

type Env = Record<string, string | undefined>;

/** The variables that hold secrets: their values are never quoted back in a problem. */
const SECRET_VARIABLES = ['DISCORD_TOKEN', 'OPENAI_API_KEY'];

class Reader {
  readonly problems: string[] = [];
  private readonly secrets: Set<string>;

  constructor(private readonly env: Env) {
    this.secrets = new Set(SECRET_VARIABLES.map((name) => this.text(name)).filter((value): value is string => value !== undefined));
  }

  /**
   * A value quoted for a problem line, unless it is a configured secret or looks like one (a
   * token pasted into the wrong variable, such as DISCORD_CLIENT_ID): that is described, not
   * shown, since the lines are printed to the terminal and kept in logs. URLs lose their
   * credentials.
   */
  quote(value: string): string {
    if (this.secrets.has(value) || looksLikeSecret(value)) return 'a value shaped like a token or key (not shown)';
    return `"${withoutCredentials(value)}"`;
  }

  text(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  required(name: string, why: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) this.problems.push(`${name} is missing (${why}).`);
    return value;
  }

  snowflake(name: string, value: string | undefined): string | undefined {
    if (value !== undefined && !SNOWFLAKE.test(value)) {
      this.problems.push(`${name} must be a Discord id (17 to 20 digits), got ${this.quote(value)}.`);
      return undefined;
    }
    return value;
  }

  snowflakes(name: string): string[] {
    const value = this.text(name);
    if (value === undefined) return [];
    const ids = value.split(/[\s,]+/).filter(Boolean);
    const bad = ids.filter((id) => !SNOWFLAKE.test(id));
    if (bad.length > 0) this.problems.push(`${name} must be a comma-separated list of Discord ids; not ids: ${bad.map((id) => this.quote(id)).join(', ')}.`);
    return ids.filter((id) => SNOWFLAKE.test(id));
  }

  positiveInteger(name: string, fallback: number, max: number): number {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > max) {
      this.problems.push(`${name} must be a whole number from 1 to ${max}, got ${this.quote(value)}.`);
      return fallback;
    }
    return number;
  }

  url(name: string, fallback: string): string {
    const value = this.text(name) ?? fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be an http(s) URL, got ${this.quote(value)}.`);
      return fallback;
    }
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be ${choices.map((choice) => `"${choice}"`).join(' or ')}, got ${this.quote(value)}.`);
    return fallback;
  }

  rateLimit(name: string, fallback: RateLimit): RateLimit {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(?:\/\s*(\d+)\s*s?)?$/.exec(value);
    const requests = Number(match?.[1]);
    const perSeconds = Number(match?.[2] ?? fallback.perSeconds);
    if (!match || requests < 1 || perSeconds < 1) {
      this.problems.push(`${name} must look like "5/60" (5 questions per 60 seconds per member), got ${this.quote(value)}.`);
      return fallback;
    }
    return { requests, perSeconds };
  }
}

/** A folder the index must neither be nor contain, named as a problem would name it. */
interface ProtectedFolder {
  name: string;
  dir: string;
}

/**
 * What is wrong with where the index would go. A build replaces the index folder as a whole,
 * so an index path that is, or lies above, the articles, the working folder or the cache is
 * refused up front, whatever the folder holds now. Links are resolved so none can disguise one.
 */
function indexLocationProblems(indexDir: string, protectedFolders: ProtectedFolder[]): string[] {
  const index = resolveLinksSync(indexDir);
  return protectedFolders.flatMap(({ name, dir }) => {
    const folder = resolveLinksSync(dir);
    if (!isSameOrInside(folder, index)) return [];
    const relation = folder === index ? 'is' : 'contains';
    return [`INDEX_DIR (or --index) ${relation} ${name}, ${dir}: the index needs a folder of its own, such as data/index.`];
  });
}

/**
 * Parses and validates the environment once. Every problem is collected and reported
 * together in one {@link ConfigError}; values are typed from here on.
 *
 * @param needs - `core` for the CLI (no Discord variable read); `bot` and `deploy` both also read and check every
 *   Discord variable (the token and application id required), which {@link Config.discord} then holds
 * @param cwd - relative directories are resolved against it
 */
export function parseConfig(env: Env, needs: ConfigNeeds = 'core', cwd = process.cwd()): Config {
  const read = new Reader(env);
  const dir = (name: string, fallback: string) => path.resolve(cwd, read.text(name) ?? fallback);

  const provider = read.text('EMBEDDINGS') ?? 'local';
  const cacheDir = dir('CACHE_DIR', 'data/cache');
  let embeddings: EmbeddingsOptions = { provider: 'local', cacheDir };
  if (provider === 'openai') {
    const apiKey = read.text('OPENAI_API_KEY');
    const baseUrl = read.url('OPENAI_BASE_URL', 'https://api.openai.com/v1');
    if (apiKey !== undefined && urlCredentials(baseUrl).length > 0) {
      read.problems.push('OPENAI_BASE_URL holds a user name or password and OPENAI_API_KEY is set: only one of them can be sent, remove the other.');
    }
    embeddings = {
      provider: 'openai',
      baseUrl,
      model: read.text('EMBEDDINGS_MODEL') ?? 'text-embedding-3-small',
      ...(apiKey !== undefined ? { apiKey } : {}),
    };
  } else if (provider !== 'local') {
    read.problems.push(`EMBEDDINGS must be "local" or "openai", got ${read.quote(provider)}.`);
  }

  const dataDir = dir('DATA_DIR', 'data');
  const config: Config = {
    corpusDir: dir('CORPUS_DIR', 'corpus'),
    indexDir: dir('INDEX_DIR', 'data/index'),
    embeddings,
    maxQuotes: read.positiveInteger('MAX_QUOTES', 3, 10),
  };
  read.problems.push(
    ...indexLocationProblems(config.indexDir, [
      { name: 'the corpus folder (CORPUS_DIR)', dir: config.corpusDir },
      { name: 'the working folder', dir: cwd },
      { name: 'the word-vector cache (CACHE_DIR)', dir: cacheDir },
      { name: 'the data folder (DATA_DIR)', dir: dataDir },
    ]),
  );

  if (needs !== 'core') {
    const token = read.required('DISCORD_TOKEN', 'the bot token from the Developer Portal, Bot page');
    if (token !== undefined && !BOT_TOKEN_SHAPE.test(token)) {
      read.problems.push('DISCORD_TOKEN does not look like a bot token (three dot-separated parts).');
    }
    const clientId = read.snowflake(
      'DISCORD_CLIENT_ID',
      read.required('DISCORD_CLIENT_ID', 'the Application ID from the Developer Portal, General Information page'),
    );
    const guildId = read.snowflake('DISCORD_GUILD_ID', read.text('DISCORD_GUILD_ID'));
    const discord: DiscordConfig = {
      token: token ?? '',
      clientId: clientId ?? '',
      moderatorRoleIds: read.snowflakes('MODERATOR_ROLE_IDS'),
      allowedChannelIds: read.snowflakes('ALLOWED_CHANNEL_IDS'),
      askRateLimit: read.rateLimit('ASK_RATE_LIMIT', { requests: 5, perSeconds: 60 }),
      apiBase: read.url('DISCORD_API_BASE', 'https://discord.com/api'),
      globalRequestsPerSecond: read.positiveInteger('DISCORD_GLOBAL_REQUESTS_PER_SECOND', 50, 100_000),
      logFormat: read.choice('LOG_FORMAT', ['text', 'json'], 'text'),
      dataDir,
      feedback: {
        retentionDays: read.positiveInteger('FEEDBACK_RETENTION_DAYS', 90, 3650),
        maxRows: read.positiveInteger('FEEDBACK_MAX_ROWS', 10_000, 10_000_000),
      },
    };
    if (guildId !== undefined) discord.guildId = guildId;
    if (read.text('HEALTH_PORT') !== undefined) {
      // Loopback unless the admin says otherwise: the report is for a local probe or a container's HEALTHCHECK.
      discord.health = { port: read.positiveInteger('HEALTH_PORT', 8080, 65_535), host: read.text('HEALTH_HOST') ?? '127.0.0.1' };
    }
    config.discord = discord;
  }

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/**
 * Every secret the configuration holds: the bot token, the embeddings API key, and the
 * credentials of OPENAI_BASE_URL and DISCORD_API_BASE. The log, and every message the bot
 * sends, are scrubbed of these.
 */
export function configuredSecrets(config: Config): string[] {
  const { embeddings, discord } = config;
  const secrets = [
    discord?.token,
    ...(discord ? urlCredentials(discord.apiBase) : []),
    ...(embeddings.provider === 'openai' ? [embeddings.apiKey, ...urlCredentials(embeddings.baseUrl)] : []),
  ];
  return secrets.filter((secret): secret is string => secret !== undefined && secret !== '');
}

/**
 * Reads `.env` (if any) and the environment into a validated config; `overrides`
 * (from command-line flags) win over both.
 */
export function loadConfig(needs: ConfigNeeds = 'core', overrides: Record<string, string | undefined> = {}): Config {
  dotenv.config({ quiet: true });
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return parseConfig({ ...process.env, ...Object.fromEntries(defined) }, needs);
}
