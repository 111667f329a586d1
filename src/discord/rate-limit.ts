import type { RateLimit } from '../config/config.js';

/**
 * Per-user sliding-window limit: at most `requests` in any `perSeconds` window.
 * Memory is bounded by the users active within one window.
 */
export class RateLimiter {
  private readonly history = new Map<string, number[]>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a request and returns 0, or the seconds to wait when the user is over the limit. */
  take(userId: string): number {
    const now = this.now();
    const windowMs = this.limit.perSeconds * 1000;
    const recent = (this.history.get(userId) ?? []).filter((at) => now - at < windowMs);
    if (recent.length >= this.limit.requests) {
      this.history.set(userId, recent);
      return Math.max(1, Math.ceil((recent[0]! + windowMs - now) / 1000));
    }
    recent.push(now);
    this.history.set(userId, recent);
    if (this.history.size > 10_000) this.prune(now, windowMs);
    return 0;
  }

  private prune(now: number, windowMs: number): void {
    for (const [user, times] of this.history) if (times.every((at) => now - at >= windowMs)) this.history.delete(user);
  }
}
