import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/discord/rate-limit.js';

describe('RateLimiter', () => {
  it('allows N per window per user, then says how many seconds to wait', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ requests: 2, perSeconds: 60 }, () => now);
    expect(limiter.take('a')).toBe(0);
    now += 10_000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('a')).toBe(50);
    now += 50_000;
    expect(limiter.take('a')).toBe(0);
  });
});

describe('RateLimiter memory', () => {
  /** The users it remembers (private: what the pruning bounds). */
  const remembered = (limiter: RateLimiter) => (limiter as unknown as { history: Map<string, number[]> }).history.size;

  it('forgets, past 10 000 users, those with no request within the window, and keeps limiting those with one', () => {
    let now = 0;
    const limiter = new RateLimiter({ requests: 1, perSeconds: 60 }, () => now);
    for (let user = 0; user < 10_000; user++) limiter.take(`old-${user}`);
    expect(remembered(limiter)).toBe(10_000);

    // Within the window nobody can be forgotten: every one of them is still limited.
    now = 30_000;
    expect(limiter.take('recent')).toBe(0);
    expect(remembered(limiter)).toBe(10_001);
    expect(limiter.take('old-0')).toBe(30);

    // Past the window of the old ones (not of `recent`), the next new user prunes them.
    now = 60_000;
    expect(limiter.take('newest')).toBe(0);
    expect(remembered(limiter)).toBe(2);
    expect(limiter.take('recent')).toBe(30);
    expect(limiter.take('old-1')).toBe(0);
  });

  it('does not prune at or below 10 000 users', () => {
    let now = 0;
    const limiter = new RateLimiter({ requests: 1, perSeconds: 1 }, () => now);
    for (let user = 0; user < 9_999; user++) limiter.take(`u${user}`);
    now = 10_000;
    limiter.take('last');
    expect(remembered(limiter)).toBe(10_000);
  });
});
