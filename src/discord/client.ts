import { Client, DefaultRestOptions, GatewayIntentBits, type RESTOptions } from 'discord.js';
import type { DiscordConfig } from '../config/config.js';
import { createRedactor, type Redactor } from '../core/redact.js';
import { plainText } from './format.js';
import { NO_MENTIONS } from './replies.js';

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
 * (Discord itself, a REST proxy, or the tests' emulator), and no configured secret in
 * anything it sends.
 *
 * @param secrets - the configured secrets (see `configuredSecrets`), kept out of every message
 */
export function createClient(config: DiscordConfig, secrets: readonly string[]): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    rest: { api: config.apiBase, globalRequestsPerSecond: config.globalRequestsPerSecond, makeRequest: redactingTransport(createRedactor(secrets.flatMap(withDisplayForm))) },
  });
}
