import { createRedactor } from '../core/redact.js';

/** A line-oriented logger that never prints a secret it was told about. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * Logs to stderr with a timestamp and level. Every registered secret (see `configuredSecrets`)
 * is replaced by `[redacted]` in everything printed, stack traces included.
 */
export function createLogger(secrets: string[], write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const redact = createRedactor(secrets);
  const log = (level: string, message: string) => write(`${new Date().toISOString()} ${level} ${redact(message)}\n`);
  return {
    info: (message) => log('INFO ', message),
    warn: (message) => log('WARN ', message),
    error: (message, error) => log('ERROR', error === undefined ? message : `${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  };
}
