import { FeedbackStore, type FeedbackStoreOptions } from '../core/feedback/store.js';
import type { Logger } from './logger.js';

/** How often a store that could not be opened is tried again, at most. */
const REOPEN_INTERVAL_MS = 60_000;

/** How often the store is pruned while the bot runs (besides on open and every few writes). */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The feedback store as the bot uses it: a failure (a disk full, a locked or unreadable file)
 * is logged and never breaks answering. A store that could not be opened is tried again at
 * most once a minute, when something needs it.
 */
export class Feedback {
  private store: FeedbackStore | undefined;
  private lastAttempt = -Infinity;
  private pruning: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: FeedbackStoreOptions,
    private readonly logger: Logger,
  ) {}

  /** Opens the store now (logging a failure), and prunes it every hour from then on. */
  start(): this {
    this.current();
    this.pruning = setInterval(() => this.use('prune old feedback', (store) => store.prune()), PRUNE_INTERVAL_MS).unref();
    return this;
  }

  /**
   * Runs `run` on the store.
   *
   * @returns its result, or `undefined` when the store is unavailable or `run` failed (logged as `what`)
   */
  use<T>(what: string, run: (store: FeedbackStore) => T): T | undefined {
    const store = this.current();
    if (!store) return undefined;
    try {
      return run(store);
    } catch (error) {
      this.logger.error(`feedback: could not ${what}; still answering`, error, { event: 'feedback' });
      return undefined;
    }
  }

  close(): void {
    clearInterval(this.pruning);
    try {
      this.store?.close();
    } catch (error) {
      this.logger.warn(`feedback: closing ${this.options.file} failed: ${String(error)}`, { event: 'feedback' });
    }
    this.store = undefined;
  }

  private current(): FeedbackStore | undefined {
    if (this.store) return this.store;
    const now = Date.now();
    if (now - this.lastAttempt < REOPEN_INTERVAL_MS) return undefined;
    this.lastAttempt = now;
    try {
      this.store = FeedbackStore.open(this.options);
      this.logger.info(`feedback store open: ${this.options.file}`, { event: 'feedback' });
    } catch (error) {
      this.logger.error(
        `feedback: the store cannot be opened (votes and unanswered questions are not recorded; tried again in a minute); still answering`,
        error,
        { event: 'feedback' },
      );
    }
    return this.store;
  }
}
