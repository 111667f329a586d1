import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mountSmallDisk } from '../../helpers/small-disk.js';
import { FeedbackSchemaTooNewError, FeedbackStore, FeedbackStoreError, normalizeQuestion } from '../../../src/core/feedback/store.js';

const DAY = 24 * 60 * 60 * 1000;
const GUILD = '900000000000000001';
const OTHER_GUILD = '900000000000000002';

describe('FeedbackStore', () => {
  let dir: string;
  let file: string;
  let clock: number;
  const now = () => clock;
  const open = (options: Partial<Parameters<typeof FeedbackStore.open>[0]> = {}) => FeedbackStore.open({ file, now, ...options });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-feedback-'));
    file = path.join(dir, 'nested', 'verbatim.db');
    clock = Date.UTC(2026, 10, 1);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file in WAL mode with a versioned schema and a per-install salt', () => {
    const store = open();
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(FeedbackStore.SCHEMA_VERSION);
    const salt = db.prepare("SELECT value FROM meta WHERE key = 'salt'").get() as { value: string };
    expect(salt.value).toMatch(/^[0-9a-f]{64}$/);
    db.close();
    // Reopening keeps the salt (the same member hashes the same) and runs no migration again.
    const again = open();
    const first = again.memberHash('123');
    again.close();
    const other = FeedbackStore.open({ file: path.join(dir, 'other.db'), now });
    expect(other.memberHash('123')).not.toBe(first);
    other.close();
  });

  it('stores member ids only as salted hashes', async () => {
    const store = open();
    store.recordQuestion({ kind: 'abstained', question: 'Who is Merkel?', memberId: '555555555555555555', guildId: GUILD });
    store.vote({ answerId: '1', memberId: '555555555555555555', guildId: GUILD, value: 'down', question: 'Why?' });
    store.close();
    const bytes = await readFile(file);
    expect(bytes.includes('555555555555555555')).toBe(false);
    expect(bytes.includes('Who is Merkel?')).toBe(true);
  });

  it('groups the queue by normalised text, most frequent first, per server', () => {
    const store = open();
    store.recordQuestion({ kind: 'abstained', question: 'What did Merkel say?', memberId: 'a', guildId: GUILD });
    clock += 1000;
    store.recordQuestion({ kind: 'tentative', question: 'how old is rubio', memberId: 'a', guildId: GUILD });
    clock += 1000;
    store.recordQuestion({ kind: 'abstained', question: '  what did MERKEL say ', memberId: 'b', guildId: GUILD });
    store.recordQuestion({ kind: 'abstained', question: 'Elsewhere?', memberId: 'b', guildId: OTHER_GUILD });
    const queue = store.unanswered(GUILD);
    expect(queue.map((entry) => [entry.question, entry.count])).toEqual([
      ['  what did MERKEL say ', 2],
      ['how old is rubio', 1],
    ]);
    expect(queue[0]!.lastAt).toEqual(new Date(clock));
    expect(queue[0]!.kinds).toEqual({ abstained: 2, tentative: 0, downvoted: 0 });
    expect(store.unanswered(OTHER_GUILD)).toHaveLength(1);
    expect(normalizeQuestion('Why was the “summit” cancelled?!')).toBe('why was the summit cancelled');
    store.close();
  });

  it('keeps one vote per member per answer, changeable; a 👎 queues the question, a change to 👍 takes it out', () => {
    const store = open();
    const vote = (memberId: string, value: 'up' | 'down', answerId = '42') =>
      store.vote({ answerId, memberId, guildId: GUILD, value, question: 'Why was it cancelled?' });
    expect(vote('a', 'down')).toEqual({ value: 'down', totals: { up: 0, down: 1 } });
    expect(vote('a', 'down')).toEqual({ value: 'down', previous: 'down', totals: { up: 0, down: 1 } });
    expect(store.unanswered(GUILD)).toMatchObject([{ count: 1, kinds: { downvoted: 1 } }]);
    expect(vote('b', 'up')).toEqual({ value: 'up', totals: { up: 1, down: 1 } });
    expect(vote('a', 'up')).toEqual({ value: 'up', previous: 'down', totals: { up: 2, down: 0 } });
    expect(store.unanswered(GUILD)).toEqual([]);
    expect(vote('a', 'down', '43').totals).toEqual({ up: 0, down: 1 });
    expect(store.votes('42')).toEqual({ up: 2, down: 0 });
    store.close();
  });

  it('dismisses a group, in its own server only; asked again, it comes back', () => {
    const store = open();
    store.recordQuestion({ kind: 'abstained', question: 'Who is Merkel?', memberId: 'a', guildId: GUILD });
    store.recordQuestion({ kind: 'abstained', question: 'who is merkel', memberId: 'b', guildId: GUILD });
    const [entry] = store.unanswered(GUILD);
    expect(store.dismiss(OTHER_GUILD, entry!.id)).toBeUndefined();
    expect(store.dismiss(GUILD, entry!.id)).toEqual({ question: 'who is merkel', count: 2 });
    expect(store.dismiss(GUILD, entry!.id)).toBeUndefined();
    expect(store.unanswered(GUILD)).toEqual([]);
    clock += 1000;
    store.recordQuestion({ kind: 'abstained', question: 'Who is Merkel?', memberId: 'c', guildId: GUILD });
    expect(store.unanswered(GUILD)).toMatchObject([{ count: 1 }]);
    store.close();
  });

  it('prunes past the retention days and beyond the row cap, on open and every few writes', () => {
    let store = open({ retention: { days: 90, maxRows: 1000 } });
    store.recordQuestion({ kind: 'abstained', question: 'old', memberId: 'a', guildId: GUILD });
    store.vote({ answerId: '1', memberId: 'a', guildId: GUILD, value: 'up', question: 'old' });
    clock += 60 * DAY;
    store.recordQuestion({ kind: 'abstained', question: 'newer', memberId: 'a', guildId: GUILD });
    store.close();

    clock += 31 * DAY; // 91 days after the first rows, 31 after the second.
    store = open({ retention: { days: 90, maxRows: 1000 } });
    expect(store.counts()).toEqual({ questions: 1, votes: 0 });
    expect(store.unanswered(GUILD).map((entry) => entry.question)).toEqual(['newer']);
    store.close();

    store = open({ retention: { days: 90, maxRows: 3 }, pruneEvery: 2 });
    for (let i = 0; i < 6; i++) {
      clock += 1000;
      store.recordQuestion({ kind: 'tentative', question: `q${i}`, memberId: 'a', guildId: GUILD });
    }
    expect(store.counts().questions).toBe(3);
    expect(
      store
        .unanswered(GUILD)
        .map((entry) => entry.question)
        .sort(),
    ).toEqual(['q3', 'q4', 'q5']);
    store.close();
  });

  it('refuses a file of a newer schema, and one that is not a database, with named errors', async () => {
    const db = new Database(file.replace('nested/', ''));
    db.pragma('user_version = 99');
    db.close();
    expect(() => FeedbackStore.open({ file: file.replace('nested/', '') })).toThrow(FeedbackSchemaTooNewError);
    const garbage = path.join(dir, 'garbage.db');
    await writeFile(garbage, 'this is not an SQLite database, just some text that is long enough'.repeat(100));
    expect(() => FeedbackStore.open({ file: garbage })).toThrow(FeedbackStoreError);
    expect(() => FeedbackStore.open({ file: garbage })).toThrow(/could not be opened/);
  });

  it('inspect reads a store without changing it: nothing yet, its queue and votes, a damaged file, a newer schema', async () => {
    expect(FeedbackStore.inspect(file)).toBeUndefined();
    const store = open();
    store.recordQuestion({ kind: 'abstained', question: 'Who is Merkel?', memberId: 'a', guildId: GUILD });
    store.recordQuestion({ kind: 'tentative', question: 'What did Orbán say?', memberId: 'b', guildId: OTHER_GUILD });
    store.vote({ answerId: '1', memberId: 'a', guildId: GUILD, value: 'up', question: 'Why?' });
    store.dismiss(GUILD, store.unanswered(GUILD)[0]!.id);
    // Read while the bot still holds the file open, as the doctor may.
    expect(FeedbackStore.inspect(file)).toEqual({ queued: 1, votes: 1, pendingMigrations: 0 });
    store.close();
    const closed = await readFile(file);
    expect(FeedbackStore.inspect(file)).toEqual({ queued: 1, votes: 1, pendingMigrations: 0 });
    expect((await readFile(file)).equals(closed)).toBe(true);

    // A file no migration has run on is left as it is: the bot upgrades it when it opens it.
    const empty = path.join(dir, 'empty.db');
    new Database(empty).close();
    expect(FeedbackStore.inspect(empty)).toEqual({ queued: 0, votes: 0, pendingMigrations: FeedbackStore.SCHEMA_VERSION });
    expect(new Database(empty, { readonly: true }).pragma('user_version', { simple: true })).toBe(0);

    // A page's header overwritten: SQLite still opens the file, its check does not pass.
    const damaged = path.join(dir, 'damaged.db');
    const big = FeedbackStore.open({ file: damaged, now });
    for (let i = 0; i < 400; i++)
      big.recordQuestion({ kind: 'abstained', question: `Question number ${i} about the summit?`, memberId: `m${i}`, guildId: GUILD });
    big.close();
    const bytes = await readFile(damaged);
    bytes.fill(0x5a, 3 * 4096, 3 * 4096 + 200);
    await writeFile(damaged, bytes);
    expect(() => FeedbackStore.inspect(damaged)).toThrow(FeedbackStoreError);
    expect(() => FeedbackStore.inspect(damaged)).toThrow(/could not be read/);

    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    expect(() => FeedbackStore.inspect(newer)).toThrow(FeedbackSchemaTooNewError);
  });

  it('throws FeedbackStoreError when the file is locked by another writer, and works again once it is free', () => {
    const store = open({ busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    expect(() => store.recordQuestion({ kind: 'abstained', question: 'x', memberId: 'a', guildId: GUILD })).toThrow(FeedbackStoreError);
    expect(() => store.vote({ answerId: '1', memberId: 'a', guildId: GUILD, value: 'down', question: 'x' })).toThrow(
      /could not record a vote: database is locked/,
    );
    other.exec('ROLLBACK');
    other.close();
    store.recordQuestion({ kind: 'abstained', question: 'x', memberId: 'a', guildId: GUILD });
    expect(store.counts()).toEqual({ questions: 1, votes: 0 });
    store.close();
  });

  it('throws FeedbackStoreError on a full disk, and works again once there is room', async (test) => {
    const disk = await mountSmallDisk(1024 * 1024);
    if (!disk) return test.skip();
    try {
      const store = FeedbackStore.open({ file: path.join(disk.dir, 'verbatim.db'), now });
      await disk.fill();
      let failure: unknown;
      for (let i = 0; i < 2000 && failure === undefined; i++) {
        try {
          store.recordQuestion({ kind: 'abstained', question: `question ${i} ${'x'.repeat(2000)}`, memberId: 'a', guildId: GUILD });
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(FeedbackStoreError);
      expect((failure as Error).message).toMatch(/could not record a question: database or disk is full/);
      await disk.unfill();
      store.recordQuestion({ kind: 'abstained', question: 'after', memberId: 'a', guildId: GUILD });
      expect(store.unanswered(GUILD).some((entry) => entry.question === 'after')).toBe(true);
      store.close();
    } finally {
      await disk.unmount();
    }
  });
});
