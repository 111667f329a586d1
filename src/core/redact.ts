/** What a secret is replaced with, in logs, error messages and anything the bot sends. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not looked for: replacing a one-letter test key would blank
 * out that letter everywhere, and no real token or key is this short.
 */
export const MIN_SECRET_LENGTH = 8;

/** Replaces secrets in a text. */
export type Redactor = (text: string) => string;

/**
 * A function that replaces every given secret in a text with {@link REDACTED}, as written and
 * percent-encoded (as it appears inside a URL). The one implementation behind the log, the
 * embeddings client's errors and the bot's outgoing messages.
 *
 * @param secrets - the configured secrets; empty, missing and too-short values are ignored
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so that a secret containing another is replaced whole.
  const hidden = [...forms].sort((a, b) => b.length - a.length);
  return (text) => hidden.reduce((result, secret) => result.split(secret).join(REDACTED), text);
}

/** The user name and password of a URL, decoded (secrets to redact, as the log and the embeddings client do); none when it has none or does not parse. */
export function urlCredentials(url: string): string[] {
  try {
    const { username, password } = new URL(url);
    return [username, password].filter(Boolean).map(decodeURIComponent);
  } catch {
    return [];
  }
}

/**
 * A URL as it may be shown in a message or a log: any user name and password (as in
 * `https://user:password@gateway/v1`) replaced by `***`. Works on text that does not parse
 * as a URL too, since that is when an error quotes it.
 */
export function withoutCredentials(url: string): string {
  // Greedy up to the last `@` before the path, as URL parsers read the authority.
  return url.replace(/^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** A Discord bot token: three dot-separated base64url parts. */
export const BOT_TOKEN_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Whether a value is shaped like a token or an API key, so that a message about a
 * misplaced value (a token pasted as the application id) must not quote it: a bot token,
 * or a long run of letters and digits with no spaces.
 */
export function looksLikeSecret(value: string): boolean {
  const longOpaqueRun = value.length >= 16 && /^[\w.~+/=-]+$/.test(value) && /\d/.test(value) && /[a-z]/i.test(value);
  return BOT_TOKEN_SHAPE.test(value) || longOpaqueRun;
}
