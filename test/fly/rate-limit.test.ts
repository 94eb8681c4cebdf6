import { describe, expect, test } from 'vitest';
import { FLY_RATE_LIMITS, RateLimiter, TokenBucket } from '../../protocol/fly-rate-limits.js';

describe('token buckets', () => {
  test('a bucket lets a burst through at once, then one call per refill interval', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 3 }, 0);

    const burst = [bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)];

    expect(burst).toEqual([true, true, true, false]);
    expect(bucket.tryTake(999)).toBe(false);
    expect(bucket.tryTake(1_000)).toBe(true);
  });

  test('reservations past the burst queue up one refill interval apart', () => {
    const bucket = new TokenBucket({ perSecond: 5, burst: 2 }, 0);

    const waits = [bucket.reserve(0), bucket.reserve(0), bucket.reserve(0), bucket.reserve(0)];

    expect(waits).toEqual([0, 0, 200, 400]);
  });

  test('get has its own, larger budget, and each machine its own buckets', () => {
    const limiter = new RateLimiter(FLY_RATE_LIMITS, { now: () => 0 });

    const starts = Array.from({ length: 4 }, () => limiter.tryAcquire('start', 'machine-a'));
    const gets = Array.from({ length: 11 }, () => limiter.tryAcquire('get', 'machine-a'));

    expect(starts).toEqual([true, true, true, false]);
    expect(gets.filter(Boolean)).toHaveLength(10);
    expect(limiter.tryAcquire('start', 'machine-b')).toBe(true);
  });

  test('acquire waits for the next token, and an abort gives the reservation back', async () => {
    const limiter = new RateLimiter({ default: { perSecond: 20, burst: 1 }, get: { perSecond: 20, burst: 1 } });
    await limiter.acquire('stop', 'm');
    const started = Date.now();

    await limiter.acquire('stop', 'm');
    const aborted = limiter.acquire('stop', 'm', AbortSignal.timeout(1));

    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    await expect(aborted).rejects.toThrow();
  });
});
