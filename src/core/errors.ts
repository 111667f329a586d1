import { randomBytes } from 'node:crypto';

/**
 * What would set an error right, as a code: each front end words it in its own terms (the CLI
 * names `npm run index`, the bot `/reindex`).
 * - `build-index`: no index yet; build one.
 * - `rebuild-index`: the index cannot be read; build it again.
 * - `reindex`: the index is of other embeddings; reindex to use the configured ones.
 * - `free-space-and-reindex`: free some space on that disk, then reindex.
 * - `choose-index-folder`: point the index at a new or empty folder (or move that one away).
 * - `wait-for-reindex`: wait for the running reindex; answers go on meanwhile.
 */
export type Remedy = 'build-index' | 'rebuild-index' | 'reindex' | 'free-space-and-reindex' | 'choose-index-folder' | 'wait-for-reindex';

/**
 * Errors the core raises on purpose, in the style of ky's and discord.js's errors: one base
 * class, a named subclass a case with typed fields (which folder, which model), and what to do
 * as a {@link Remedy} code. `message` states what happened in terms any reader shares (never a
 * front end's command); the CLI and the bot add the remedy in their own words. Whom the
 * message is fit for is {@link VerbatimError.forMembers}; anything that is not a
 * {@link VerbatimError} is unexpected and gets a reference id.
 */
export class VerbatimError extends Error {
  override name = 'VerbatimError';

  /**
   * Whether any member may read `message`. When false it is written for the admins (it names
   * internal hosts, folders or settings): a member gets a short line with a reference id, and
   * the message goes to the log under that reference.
   */
  readonly forMembers: boolean = true;

  /** What would set it right, for the front end to word; `undefined` when the message says all. */
  readonly remedy?: Remedy;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The question cannot be answered as asked (empty, too long). */
export class InvalidQuestionError extends VerbatimError {
  override name = 'InvalidQuestionError';
}

/** No index exists at the configured directory. */
export class IndexNotFoundError extends VerbatimError {
  override name = 'IndexNotFoundError';
  override readonly forMembers = false;
  override readonly remedy = 'build-index';

  constructor(readonly indexDir: string) {
    super(`No index found in ${indexDir}.`);
  }
}

/** The index on disk was built with other embeddings than the ones configured now. */
export class IndexMismatchError extends VerbatimError {
  override name = 'IndexMismatchError';
  override readonly forMembers = false;
  override readonly remedy = 'reindex';

  constructor(
    readonly indexDir: string,
    /** The embeddings the index was built with (model and dimensions). */
    readonly built: string,
    /** The embeddings configured now. */
    readonly configured: string,
  ) {
    super(`The index in ${indexDir} was built with ${built}, but the configured embeddings are ${configured}.`);
  }
}

/** The index on disk is truncated, corrupt or of an unknown format. */
export class IndexCorruptError extends VerbatimError {
  override name = 'IndexCorruptError';
  override readonly forMembers = false;
  // Safe advice: a build replaces only a folder whose manifest shows Verbatim wrote it.
  override readonly remedy = 'rebuild-index';

  constructor(
    readonly indexDir: string,
    /** What is wrong with it (`chunks.hnsw is truncated or altered`…). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The index in ${indexDir} is unreadable (${reason}).`, options);
  }
}

/**
 * The index directory holds something Verbatim did not write (no valid manifest, or files the
 * manifest does not list). It is never read as an index, replaced or deleted.
 */
export class ForeignIndexFolderError extends VerbatimError {
  override name = 'ForeignIndexFolderError';
  override readonly forMembers = false;
  override readonly remedy = 'choose-index-folder';

  constructor(
    readonly indexDir: string,
    /** What shows the folder is not an index Verbatim wrote. */
    readonly reason: string,
  ) {
    super(`${indexDir} is not an index Verbatim wrote (${reason}), so Verbatim will not use, replace or delete it.`);
  }
}

/** The corpus cannot be indexed at all (missing directory, no readable article). */
export class CorpusError extends VerbatimError {
  override name = 'CorpusError';
  override readonly forMembers = false;
}

/** An embeddings provider failed (remote endpoint down, bad key, malformed reply, missing vectors). */
export class EmbeddingsError extends VerbatimError {
  override name = 'EmbeddingsError';
  override readonly forMembers = false;
}

/**
 * A write failed for lack of space: the disk holding `directory` is full (or the user's disk
 * quota is used up). What was there before is left as it was: a failed index save keeps the
 * previous index serving.
 */
export class DiskFullError extends VerbatimError {
  override name = 'DiskFullError';
  override readonly forMembers = false;
  override readonly remedy = 'free-space-and-reindex';

  constructor(
    /** The folder that could not be written (the index folder, or the scratch folder of a build). */
    readonly directory: string,
    options?: { cause?: unknown },
  ) {
    super(`Disk full at ${directory}.`, options);
  }
}

/** Node's codes for a write refused for lack of space: a full disk, a used-up quota. */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * `error` as a {@link DiskFullError} at `directory` when it is a write refused for lack of
 * space (a Node ENOSPC/EDQUOT error, or a DiskFullError raised about a file inside it);
 * any other error as it is.
 */
export function diskFullOr(error: unknown, directory: string): unknown {
  const noSpace = error instanceof DiskFullError || (error instanceof Error && NO_SPACE_CODES.has(errorCode(error)));
  return noSpace ? new DiskFullError(directory, { cause: error }) : error;
}

/** A reindex was requested while another one is still running. */
export class ReindexInProgressError extends VerbatimError {
  override name = 'ReindexInProgressError';
  override readonly remedy = 'wait-for-reindex';

  constructor() {
    super('A reindex is already running.');
  }
}

/**
 * A moderator's change to the articles (`/article add` or `remove`) was refused before
 * anything changed: a bad file or name, an existing file, an unknown article. The message
 * names only what the moderator gave (file names, never the server's folders).
 */
export class ArticleChangeError extends VerbatimError {
  override name = 'ArticleChangeError';
}

/**
 * A short id for an unexpected error, shown to whoever met it and written to the log beside the
 * error, to find one failure among many (six hex digits, upper case).
 */
export function referenceId(): string {
  return randomBytes(3).toString('hex').toUpperCase();
}

/** Type guard: an error the core raised on purpose, whose message is fit to show. */
export function isVerbatimError(error: unknown): error is VerbatimError {
  return error instanceof VerbatimError;
}

/** The named core errors, by `name`, so that one raised in a worker thread can be raised again here. */
const CORE_ERRORS: Record<string, { prototype: VerbatimError }> = {
  VerbatimError,
  InvalidQuestionError,
  IndexNotFoundError,
  IndexMismatchError,
  IndexCorruptError,
  ForeignIndexFolderError,
  CorpusError,
  EmbeddingsError,
  DiskFullError,
  ReindexInProgressError,
  ArticleChangeError,
};

/** An error as it crosses a thread boundary: structured cloning keeps neither its class nor its fields. */
export interface TransportedError {
  name: string;
  message: string;
  stack?: string;
  /** Its own fields (`indexDir`, `reason`, `forMembers`…). */
  fields: Record<string, unknown>;
}

/** Flattens an error for `postMessage`; {@link reviveError} makes it whole again on the other side. */
export function transportError(error: unknown): TransportedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'cause' && (value === null || ['string', 'number', 'boolean'].includes(typeof value))) fields[key] = value;
  }
  return { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}), fields };
}

/**
 * The error {@link transportError} flattened, as an instance of the same core error class (so
 * `instanceof CorpusError` and the adapters' wording work as if it had been thrown here); any
 * other error comes back as a plain `Error` with its name and message, i.e. as unexpected.
 */
export function reviveError(transported: TransportedError): Error {
  const errorClass = CORE_ERRORS[transported.name];
  // Not constructed: the constructors take different arguments and would rewrite the message.
  const error: Error = errorClass ? (Object.create(errorClass.prototype) as Error) : new Error();
  Object.assign(error, transported.fields, { name: transported.name, message: transported.message });
  if (transported.stack !== undefined) error.stack = transported.stack;
  return error;
}

/** The system error code of a failed file or network call (`ENOENT`, `ENOSPC`…), else the error's message. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** Causes deeper than this are not looked at: a cycle of causes must not hang the walk. */
const MAX_CAUSE_DEPTH = 5;

/**
 * The string `code`s along an error's `cause` chain, outermost first: `fetch` wraps the system
 * error (`ECONNRESET`…) in a `TypeError` without one, undici reports its own on the error itself.
 */
export function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < MAX_CAUSE_DEPTH; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}
