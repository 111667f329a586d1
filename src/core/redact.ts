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
