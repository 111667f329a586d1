import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { VerbatimError } from '../errors.js';

/** Why a question is in the unanswered queue. */
export type QuestionKind = 'abstained' | 'tentative' | 'downvoted';

/** A member's vote on an answer. */
export type VoteValue = 'up' | 'down';

/** One question for the queue, as an adapter reports it. */
export interface QuestionRecord {
  kind: QuestionKind;
  question: string;
  /** The member's id as the platform gives it; only its salted hash is stored. */
  memberId: string;
  guildId: string;
  /** For a 👎: the answer voted on (so that changing the vote takes the question back out). */
  answerId?: string;
}

/** One vote, as an adapter reports it. */
export interface VoteRecord {
  /** The answer voted on (on Discord, the id of the `/ask` interaction that produced it). */
  answerId: string;
  memberId: string;
  guildId: string;
  value: VoteValue;
  /** The question the answer answered: recorded in the queue on a 👎. */
  question: string;
}

/** What a vote did. */
export interface VoteOutcome {
  value: VoteValue;
  /** The member's previous vote on that answer, if any. */
  previous?: VoteValue;
  /** Every member's votes on that answer, this one included. */
  totals: { up: number; down: number };
}

/** One line of the unanswered queue: every recent question with the same normalised text. */
export interface UnansweredEntry {
  /** The id of the latest question of the group, which {@link FeedbackStore.dismiss} takes. */
  id: number;
  /** The latest wording. */
  question: string;
  count: number;
  /** When it was last asked (or last voted down). */
  lastAt: Date;
  kinds: Record<QuestionKind, number>;
}

/** How long and how much the store keeps. */
export interface Retention {
  /** Rows older than this are deleted (default 90). */
  days: number;
  /** At most this many questions, and this many votes, are kept: the oldest go first (default 10,000). */
  maxRows: number;
}

export interface FeedbackStoreOptions {
  /** The database file; its folder is created when missing. */
  file: string;
  retention?: Partial<Retention>;
  /** The clock (tests inject one); default `Date.now`. */
  now?: () => number;
  /**
   * How long a write waits for another process's lock before it fails (default 250 ms). The
   * wait blocks the thread, so it is short: the bot is the only writer.
   */
  busyTimeoutMs?: number;
  /** Prune after this many writes (default 100), besides on open and on {@link FeedbackStore.prune}. */
  pruneEvery?: number;
}

/** The feedback store could not be opened, read or written (disk full, locked, unreadable file). */
export class FeedbackStoreError extends VerbatimError {
  override name = 'FeedbackStoreError';
  override readonly forMembers = false;

  constructor(
    readonly file: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`The feedback store ${file} could not ${operation}: ${reason}`, options);
  }
}

/** The database was written by a newer Verbatim, whose schema this one does not know. */
export class FeedbackSchemaTooNewError extends FeedbackStoreError {
  override name = 'FeedbackSchemaTooNewError';

  constructor(file: string, found: number, known: number) {
    super(file, 'be opened', {
      cause: new Error(`its schema is version ${found}, this version of Verbatim knows up to ${known}; upgrade Verbatim or move the file away`),
    });
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The store's file in the bot's data folder (`DATA_DIR`). */
export function feedbackStoreFile(dataDir: string): string {
  return path.join(dataDir, 'verbatim.db');
}

/** What a store holds, as {@link FeedbackStore.inspect} reads it. */
export interface FeedbackSummary {
  /** Questions waiting in the unanswered queues (not dismissed), every server's. */
  queued: number;
  votes: number;
  /** Schema migrations the bot runs when it next opens the file (0: up to date). */
  pendingMigrations: number;
}

export const DEFAULT_RETENTION: Retention = { days: 90, maxRows: 10_000 };

/**
 * The schema, one migration per version; `PRAGMA user_version` records how many have run.
 * Migrations are only ever appended.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE questions (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('abstained', 'tentative', 'downvoted')),
     question TEXT NOT NULL,
     normalized TEXT NOT NULL,
     member_hash TEXT NOT NULL,
     answer_id TEXT,
     asked_at INTEGER NOT NULL,
     dismissed_at INTEGER
   ) STRICT;
   CREATE INDEX questions_queue ON questions (guild_id, dismissed_at, normalized);
   CREATE INDEX questions_time ON questions (asked_at);
   CREATE INDEX questions_answer ON questions (answer_id, member_hash) WHERE answer_id IS NOT NULL;
   CREATE TABLE votes (
     answer_id TEXT NOT NULL,
     member_hash TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     value INTEGER NOT NULL CHECK (value IN (-1, 1)),
     voted_at INTEGER NOT NULL,
     PRIMARY KEY (answer_id, member_hash)
   ) STRICT;
   CREATE INDEX votes_time ON votes (voted_at);`,
];

/** The text questions are grouped by: case, punctuation and spacing do not matter. */
export function normalizeQuestion(question: string): string {
  return question
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’`´]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .replace(/(^| )'+|'+(?= |$)/g, '$1')
    .trim();
}

/**
 * What members tell the moderators without meaning to (questions the articles do not answer)
 * and on purpose (👍 / 👎 on an answer), kept in an SQLite file (WAL mode) that survives
 * restarts. Member ids are stored only as an HMAC with a random per-install salt kept in the
 * file itself, so that one member's votes can be told apart but not traced to them from
 * outside. Rows older than the retention, or beyond its row cap, are deleted on open, every
 * few writes, and on {@link prune}.
 *
 * Every method is synchronous (better-sqlite3): each is a few indexed statements, well under
 * a millisecond. Failures are thrown as {@link FeedbackStoreError}.
 */
export class FeedbackStore {
  /** The schema version this code writes. */
  static readonly SCHEMA_VERSION = MIGRATIONS.length;

  readonly file: string;
  readonly retention: Retention;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly pruneEvery: number;
  private readonly salt: string;
  private writesSincePrune = 0;

  private constructor(db: Database.Database, options: FeedbackStoreOptions) {
    this.db = db;
    this.file = options.file;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.now = options.now ?? Date.now;
    this.pruneEvery = options.pruneEvery ?? 100;
    const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'salt'").get();
    this.salt = row!.value;
  }

  /**
   * Opens (creating when missing) the store, brings its schema up to date and prunes it.
   *
   * @throws FeedbackStoreError when the file cannot be created, opened or migrated
   * @throws FeedbackSchemaTooNewError when a newer Verbatim wrote it
   */
  static open(options: FeedbackStoreOptions): FeedbackStore {
    const { file } = options;
    let db: Database.Database | undefined;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { timeout: options.busyTimeoutMs ?? 250 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
      const store = new FeedbackStore(db, options);
      store.prune();
      return store;
    } catch (error) {
      db?.close();
      if (error instanceof FeedbackStoreError) throw error;
      throw new FeedbackStoreError(file, 'be opened', { cause: error });
    }
  }

  /**
   * Reads a store without changing anything (opened read-only: no migration, no pruning),
   * after SQLite's `quick_check` of the whole file: what `npm run doctor` reports, also while
   * the bot has the file open.
   *
   * @returns undefined when there is no file yet (the bot creates it on its first start)
   * @throws FeedbackStoreError when the file cannot be read or the check finds damage
   * @throws FeedbackSchemaTooNewError when a newer Verbatim wrote it
   */
  static inspect(file: string): FeedbackSummary | undefined {
    if (!existsSync(file)) return undefined;
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: 250 });
      const check = db.pragma('quick_check', { simple: true }) as string;
      if (check !== 'ok') throw new Error(`SQLite's check of the file failed: ${check}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > MIGRATIONS.length) throw new FeedbackSchemaTooNewError(file, version, MIGRATIONS.length);
      const pendingMigrations = MIGRATIONS.length - version;
      // The first migration creates both tables; an empty file has neither yet.
      if (version === 0) return { queued: 0, votes: 0, pendingMigrations };
      const count = (sql: string) => db!.prepare<[], { n: number }>(sql).get()!.n;
      return {
        queued: count('SELECT COUNT(*) AS n FROM questions WHERE dismissed_at IS NULL'),
        votes: count('SELECT COUNT(*) AS n FROM votes'),
        pendingMigrations,
      };
    } catch (error) {
      if (error instanceof FeedbackStoreError) throw error;
      throw new FeedbackStoreError(file, 'be read', { cause: error });
    } finally {
      db?.close();
    }
  }

  /** The salted hash a member id is stored as. */
  memberHash(memberId: string): string {
    return createHmac('sha256', this.salt).update(memberId).digest('hex').slice(0, 32);
  }

  /** Adds a question to the unanswered queue. */
  recordQuestion(record: QuestionRecord): void {
    this.write('record a question', () => {
      this.db
        .prepare('INSERT INTO questions (guild_id, kind, question, normalized, member_hash, answer_id, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(
          record.guildId,
          record.kind,
          record.question,
          normalizeQuestion(record.question),
          this.memberHash(record.memberId),
          record.answerId ?? null,
          this.now(),
        );
    });
  }

  /**
   * Records a member's vote on an answer: one per member per answer, a second vote replaces
   * the first. A 👎 puts the question in the queue (once per member and answer); changing it
   * to 👍 takes it back out.
   */
  vote(record: VoteRecord): VoteOutcome {
    return this.write('record a vote', () =>
      this.db.transaction((): VoteOutcome => {
        const member = this.memberHash(record.memberId);
        const before = this.db
          .prepare<[string, string], { value: number }>('SELECT value FROM votes WHERE answer_id = ? AND member_hash = ?')
          .get(record.answerId, member);
        const previous = before ? toVote(before.value) : undefined;
        this.db
          .prepare(
            'INSERT INTO votes (answer_id, member_hash, guild_id, value, voted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_id, member_hash) DO UPDATE SET value = excluded.value, voted_at = excluded.voted_at',
          )
          .run(record.answerId, member, record.guildId, record.value === 'up' ? 1 : -1, this.now());
        if (record.value === 'down' && previous !== 'down') {
          this.db
            .prepare("INSERT INTO questions (guild_id, kind, question, normalized, member_hash, answer_id, asked_at) VALUES (?, 'downvoted', ?, ?, ?, ?, ?)")
            .run(record.guildId, record.question, normalizeQuestion(record.question), member, record.answerId, this.now());
        } else if (record.value === 'up' && previous === 'down') {
          this.db
            .prepare("DELETE FROM questions WHERE kind = 'downvoted' AND answer_id = ? AND member_hash = ? AND dismissed_at IS NULL")
            .run(record.answerId, member);
        }
        return { value: record.value, ...(previous ? { previous } : {}), totals: this.totalsOf(record.answerId) };
      })(),
    );
  }

  /** Every member's votes on an answer. */
  votes(answerId: string): { up: number; down: number } {
    return this.read('read the votes', () => this.totalsOf(answerId));
  }

  /**
   * The queue of a server: its questions not dismissed, grouped by normalised text, the most
   * frequent first (then the most recent).
   */
  unanswered(guildId: string, limit = 10): UnansweredEntry[] {
    return this.read('read the unanswered questions', () => {
      const groups = this.db
        .prepare<[string, number], { id: number; count: number; last_at: number; abstained: number; tentative: number; downvoted: number }>(
          `SELECT (SELECT q.id FROM questions q WHERE q.guild_id = g.guild_id AND q.normalized = g.normalized AND q.dismissed_at IS NULL ORDER BY q.asked_at DESC, q.id DESC LIMIT 1) AS id,
                  g.count, g.last_at, g.abstained, g.tentative, g.downvoted
             FROM (SELECT guild_id, normalized, COUNT(*) AS count, MAX(asked_at) AS last_at,
                          SUM(kind = 'abstained') AS abstained, SUM(kind = 'tentative') AS tentative, SUM(kind = 'downvoted') AS downvoted
                     FROM questions WHERE guild_id = ? AND dismissed_at IS NULL GROUP BY normalized) g
            ORDER BY g.count DESC, g.last_at DESC LIMIT ?`,
        )
        .all(guildId, limit);
      const text = this.db.prepare<[number], { question: string }>('SELECT question FROM questions WHERE id = ?');
      return groups.map((group) => ({
        id: group.id,
        question: text.get(group.id)!.question,
        count: group.count,
        lastAt: new Date(group.last_at),
        kinds: { abstained: group.abstained, tentative: group.tentative, downvoted: group.downvoted },
      }));
    });
  }

  /**
   * Dismisses the group of the question `id` (every question of that server with the same
   * normalised text, asked so far): it leaves the queue, and comes back only if asked again.
   *
   * @returns the wording and how many questions were dismissed; none when `id` is not in that server's queue
   */
  dismiss(guildId: string, id: number): { question: string; count: number } | undefined {
    return this.write('dismiss a question', () => {
      const row = this.db
        .prepare<[number, string], { question: string; normalized: string }>(
          'SELECT question, normalized FROM questions WHERE id = ? AND guild_id = ? AND dismissed_at IS NULL',
        )
        .get(id, guildId);
      if (!row) return undefined;
      const now = this.now();
      const { changes } = this.db
        .prepare('UPDATE questions SET dismissed_at = ? WHERE guild_id = ? AND normalized = ? AND dismissed_at IS NULL AND asked_at <= ?')
        .run(now, guildId, row.normalized, now);
      return { question: row.question, count: changes };
    });
  }

  /**
   * Deletes what the retention no longer allows: rows older than its days, then the oldest
   * beyond its row cap (questions and votes each).
   *
   * @returns how many rows were deleted
   */
  prune(): number {
    return this.write(
      'prune old feedback',
      () =>
        this.db.transaction(() => {
          const cutoff = this.now() - this.retention.days * DAY_MS;
          const { maxRows } = this.retention;
          let deleted = 0;
          deleted += this.db.prepare('DELETE FROM questions WHERE asked_at < ?').run(cutoff).changes;
          deleted += this.db.prepare('DELETE FROM votes WHERE voted_at < ?').run(cutoff).changes;
          deleted += this.db
            .prepare('DELETE FROM questions WHERE id IN (SELECT id FROM questions ORDER BY asked_at DESC, id DESC LIMIT -1 OFFSET ?)')
            .run(maxRows).changes;
          deleted += this.db
            .prepare('DELETE FROM votes WHERE rowid IN (SELECT rowid FROM votes ORDER BY voted_at DESC, rowid DESC LIMIT -1 OFFSET ?)')
            .run(maxRows).changes;
          this.writesSincePrune = 0;
          return deleted;
        })(),
      false,
    );
  }

  /** How many questions and votes the store holds (dismissed questions included). */
  counts(): { questions: number; votes: number } {
    return this.read('count the feedback', () => ({
      questions: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM questions').get()!.n,
      votes: this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM votes').get()!.n,
    }));
  }

  /** Closes the file (after a checkpoint, so that the WAL is folded in); further calls throw. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private totalsOf(answerId: string): { up: number; down: number } {
    const row = this.db
      .prepare<[string], { up: number | null; down: number | null }>('SELECT SUM(value = 1) AS up, SUM(value = -1) AS down FROM votes WHERE answer_id = ?')
      .get(answerId)!;
    return { up: row.up ?? 0, down: row.down ?? 0 };
  }

  private read<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new FeedbackStoreError(this.file, operation, { cause: error });
    }
  }

  private write<T>(operation: string, run: () => T, countsAsWrite = true): T {
    let result: T;
    try {
      result = run();
    } catch (error) {
      throw new FeedbackStoreError(this.file, operation, { cause: error });
    }
    if (countsAsWrite && ++this.writesSincePrune >= this.pruneEvery) this.prune();
    return result;
  }
}

function toVote(value: number): VoteValue {
  return value > 0 ? 'up' : 'down';
}

/** Runs the migrations the file has not had yet, each in a transaction with its version bump. */
function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new FeedbackSchemaTooNewError(file, version, MIGRATIONS.length);
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      if (next === 0) db.prepare("INSERT INTO meta (key, value) VALUES ('salt', ?)").run(randomBytes(32).toString('hex'));
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
