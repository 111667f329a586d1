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
