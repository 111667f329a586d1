import { Client, DefaultRestOptions, DiscordjsErrorCodes, GatewayCloseCodes, GatewayIntentBits, type IntentsBitField, type RESTOptions } from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import { createRedactor, type Redactor } from '../core/redact.js';
import { plainText } from './format.js';
import { retryingInteractionCallbacks } from './interaction-callbacks.js';
import type { Logger } from './logger.js';
import { NO_MENTIONS } from './replies.js';
import { RESET_THE_TOKEN } from './setup-checks.js';

type RequestBody = Parameters<RESTOptions['makeRequest']>[1]['body'];

/** Every string in a parsed JSON value, redacted; the structure is kept. */
function redactStrings(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}

/** A JSON body redacted string by string (so the JSON stays valid), any other text as text. */
function redactText(text: string, redact: Redactor): string {
  // Nearly every body holds no secret: send those byte for byte.
  if (redact(text) === text) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return redact(text);
  }
  return JSON.stringify(redactStrings(parsed, redact));
}

function redactBody(body: RequestBody, redact: Redactor): RequestBody {
  if (typeof body === 'string') return redactText(body, redact);
  if (body instanceof FormData) {
    // A message with attachments: its JSON travels as the `payload_json` field.
    const copy = new FormData();
    for (const [name, value] of body) {
      if (typeof value === 'string') copy.append(name, redactText(value, redact));
      else copy.append(name, value);
    }
    return copy;
  }
  return body;
}

/**
 * The REST transport with every request body scrubbed of the configured secrets. Every reply,
 * edit and follow-up of every command goes through it, so this one place keeps the token and
 * keys out of Discord whatever a command sends (an article that quotes one, an error message).
 * Headers are left alone: the Authorization header must carry the token.
 */
function redactingTransport(redact: Redactor): RESTOptions['makeRequest'] {
  return (url, init) => DefaultRestOptions.makeRequest(url, { ...init, body: redactBody(init.body, redact) });
}

/**
 * A secret as written and as it is displayed: article text and questions are escaped for
 * Discord (`plainText`), which turns a token's `_` into `\_`, so the transport must know
 * that form too or an escaped token would slip past it; and that form as it reads inside a
 * JSON body (`\\_`), which is what {@link redactText} looks at first.
 */
function withDisplayForm(secret: string): string[] {
  const displayed = plainText(secret);
  return [secret, displayed, JSON.stringify(displayed).slice(1, -1)];
}

/**
 * The discord.js client the bot runs on: the Guilds intent only (slash commands need no
 * privileged intent), no mentions parsed by default, the REST base from the config
 * (Discord itself, a REST proxy, or the tests' emulator), no configured secret in
 * anything it sends, and interaction callbacks retried after a broken connection (see
 * {@link retryingInteractionCallbacks}).
 *
 * @param secrets - the configured secrets (see `configuredSecrets`), kept out of every message
 */
export function createClient(config: DiscordConfig, secrets: readonly string[]): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    rest: {
      api: config.apiBase,
      globalRequestsPerSecond: config.globalRequestsPerSecond,
      makeRequest: retryingInteractionCallbacks(redactingTransport(createRedactor(secrets.flatMap(withDisplayForm)))),
    },
  });
}

/** The part of discord.js (internal, not in its typings) that turns an INTERACTION_CREATE payload into an Interaction. */
interface InteractionCreateAction {
  handle(data: unknown): void;
}

/**
 * Makes the client drop an INTERACTION_CREATE payload it cannot read (no `data`, no member or
 * user…) with one warning, instead of the unhandled rejection, without an interaction id,
 * that discord.js raises when it builds the Interaction. That happens in its internal
 * InteractionCreate action, before any event a listener could see, and no option changes
 * it: so the action is wrapped. If a discord.js update moved it, this says so and changes
 * nothing (the process-wide unhandled rejection log still catches such a payload).
 */
export function dropMalformedInteractions(client: Client, logger: Logger): void {
  const action = (client as unknown as { actions?: { InteractionCreate?: Partial<InteractionCreateAction> } }).actions?.InteractionCreate;
  const handle = action?.handle;
  if (!action || typeof handle !== 'function') {
    logger.warn('discord.js no longer has the InteractionCreate action: a malformed interaction will be logged as an unhandled rejection');
    return;
  }
  action.handle = (data: unknown) => {
    try {
      handle.call(action, data);
    } catch (error) {
      const id = typeof data === 'object' && data !== null && 'id' in data ? String(data.id) : 'without an id';
      logger.warn(`dropped a malformed interaction ${id}: discord.js could not read it (${String(error)})`);
    }
  };
}

/** The privileged intents, by the names the Developer Portal gives their switches. */
const PRIVILEGED_INTENTS: ReadonlyMap<GatewayIntentBits, string> = new Map([
  [GatewayIntentBits.GuildMembers, 'Server Members Intent'],
  [GatewayIntentBits.GuildPresences, 'Presence Intent'],
  [GatewayIntentBits.MessageContent, 'Message Content Intent'],
]);

function privilegedIntentAdvice(intents: IntentsBitField): string {
  const privileged = [...PRIVILEGED_INTENTS].filter(([bit]) => intents.has(bit)).map(([, name]) => name);
  if (privileged.length === 0) {
    return `The bot requests ${intents.toArray().join(', ')}, none of them privileged, so Discord refused the application itself: check its Privileged Gateway Intents on the Bot page of the Discord Developer Portal (a verified bot needs Discord's approval for each).`;
  }
  return `The bot requests ${privileged.join(', ')}: enable ${privileged.length === 1 ? 'it' : 'them'} under Privileged Gateway Intents on the Bot page of the Discord Developer Portal, or stop requesting ${privileged.length === 1 ? 'it' : 'them'} (Verbatim itself needs none).`;
}

/**
 * Why Discord will not let the bot connect, and what an admin does about it, for the gateway
 * close codes after which discord.js stops reconnecting (4004 and 4010–4014); `undefined`
 * for any other code. One line, naming the code, for the log.
 *
 * @param intents - the intents the client requested, named in the advice for 4013 and 4014
 */
export function fatalGatewayProblem(code: number, intents: IntentsBitField): string | undefined {
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return `Discord rejected the bot token (gateway close code 4004, authentication failed). ${RESET_THE_TOKEN}`;
    case GatewayCloseCodes.InvalidShard:
      return 'Discord refused the shard the bot connected as (gateway close code 4010, invalid shard). Verbatim connects as the shards Discord recommends; start it again, and if this repeats, check that no proxy in DISCORD_API_BASE changes the gateway information.';
    case GatewayCloseCodes.ShardingRequired:
      return 'Discord requires sharding (gateway close code 4011, sharding required): the bot is in too many servers for one gateway connection. Remove it from servers it should not be in, or run it sharded.';
    case GatewayCloseCodes.InvalidAPIVersion:
      return 'Discord no longer accepts the gateway API version this discord.js speaks (gateway close code 4012, invalid API version). Update discord.js (npm update discord.js) and start the bot again.';
    case GatewayCloseCodes.InvalidIntents:
      return `Discord found the requested gateway intents invalid (gateway close code 4013, invalid intents): the bot requests ${intents.toArray().join(', ')}. Verbatim needs only Guilds; update discord.js if this repeats.`;
    case GatewayCloseCodes.DisallowedIntents:
      return `Discord refused a privileged gateway intent (gateway close code 4014, disallowed intents). ${privilegedIntentAdvice(intents)}`;
    default:
      return undefined;
  }
}

/**
 * Why logging in failed, for the one failure an admin fixes in the configuration: Discord's
 * REST API refusing the token (HTTP 401) before the gateway is reached. `undefined` for any
 * other error (a network failure, say), which the log reports as it is.
 */
export function loginProblem(error: unknown): string | undefined {
  const rejectedToken = error instanceof Error && (error as { code?: unknown }).code === DiscordjsErrorCodes.TokenInvalid;
  return rejectedToken ? `Discord rejected the bot token (HTTP 401 on login). ${RESET_THE_TOKEN}` : undefined;
}
