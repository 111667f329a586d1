import type { LogFormat } from '../config/config.js';
import { createRedactor, type Redactor } from '../core/redact.js';

/**
 * What a log line is about, beside its message: machine-readable in the JSON format, appended
 * as `key=value` in the text one (but `event`). `event` names the kind of line (`interaction`, `ready`,
 * `reindex`…) so that a log pipeline can filter on it.
 */
export interface LogFields {
  event?: string;
  interactionId?: string;
  guildId?: string | null;
  latencyMs?: number;
  [field: string]: string | number | boolean | null | undefined;
}

/** A logger that never prints a secret it was told about. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  /** `error`'s stack, and the stacks of its `cause` chain, are part of the line. */
  error(message: string, error?: unknown, fields?: LogFields): void;
}

type Level = 'info' | 'warn' | 'error';

/** Causes deeper than this are left out: a cycle of causes must not hang the logger. */
const MAX_CAUSES = 5;

/** An error and its causes as plain data, every string redacted. */
interface ErrorRecord {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: ErrorRecord | string;
}

function errorRecord(error: unknown, redact: Redactor, depth = 0): ErrorRecord | string {
  if (!(error instanceof Error)) return redact(String(error));
  const record: ErrorRecord = { type: error.name, message: redact(error.message) };
  if (error.stack !== undefined) record.stack = redact(error.stack);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') record.code = code;
  if (error.cause !== undefined && depth < MAX_CAUSES) record.cause = errorRecord(error.cause, redact, depth + 1);
  return record;
}

/** An error record as text: its code and stack (or message), then each cause's on following lines. */
function errorText(record: ErrorRecord | string): string {
  if (typeof record === 'string') return record;
  const own = `${record.code !== undefined ? `[${record.code}] ` : ''}${record.stack ?? `${record.type}: ${record.message}`}`;
  return record.cause === undefined ? own : `${own}\n  caused by: ${errorText(record.cause)}`;
}

/** The fields as ` (key=value …)`; `event` is left out, the message already says what happened. */
function fieldsText(fields: LogFields, redact: Redactor): string {
  const parts = Object.entries(fields)
    .filter(([key, value]) => key !== 'event' && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${redact(String(value))}`);
  return parts.length === 0 ? '' : ` (${parts.join(' ')})`;
}

function redactFields(fields: LogFields, redact: Redactor): LogFields {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? redact(value) : value]));
}

/**
 * Logs to stderr, as text (`2026-11-25T10:00:00.000Z INFO  message (key=value)`) or as JSON
 * lines (`{"time", "level", "msg", "event", …fields, "err"}`). Every registered secret (see
 * `configuredSecrets`) is replaced by `[redacted]` in everything written: messages, fields,
 * errors, their stacks and their causes.
 */
export function createLogger(secrets: readonly string[], options: { format?: LogFormat; write?: (line: string) => void } = {}): Logger {
  const { format = 'text', write = (line: string) => process.stderr.write(line) } = options;
  const redact = createRedactor(secrets);
  const log = (level: Level, message: string, error: unknown, fields: LogFields = {}) => {
    const time = new Date().toISOString();
    const record = error === undefined ? undefined : errorRecord(error, redact);
    if (format === 'json') {
      const line = { time, level, msg: redact(message), ...redactFields(fields, redact), ...(record !== undefined ? { err: record } : {}) };
      write(`${JSON.stringify(line)}\n`);
      return;
    }
    const text = `${redact(message)}${fieldsText(fields, redact)}${record !== undefined ? `: ${errorText(record)}` : ''}`;
    write(`${time} ${level.toUpperCase().padEnd(5)} ${text}\n`);
  };
  return {
    info: (message, fields) => log('info', message, undefined, fields),
    warn: (message, fields) => log('warn', message, undefined, fields),
    error: (message, error, fields) => log('error', message, error, fields),
  };
}
