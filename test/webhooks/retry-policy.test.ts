import { describe, expect, it } from 'vitest';
import { judgeResponse, MAX_RETRY_DELAY_MS, retryDelayMs } from '../../src/webhooks/retry-policy.js';

const noJitter = () => 0.5; // the jitter factor is 0.5 + random(): exactly 1

describe('the webhook retry policy', () => {
  it('counts any 2xx as delivered, stops at 410 and retries everything else', () => {
    expect([200, 202, 204, 299].map(judgeResponse)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(judgeResponse(410)).toBe('gone');
    expect([null, 301, 400, 404, 429, 500, 503].map(judgeResponse)).toEqual(Array(7).fill('retry'));
  });

  it('doubles the delay after each failed attempt, from the base', () => {
    expect([1, 2, 3, 4].map((failed) => retryDelayMs(failed, 5_000, noJitter))).toEqual([5_000, 10_000, 20_000, 40_000]);
  });

  it('never waits longer than six hours between attempts, plus jitter', () => {
    expect(retryDelayMs(30, 5_000, noJitter)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(10_000, 5_000, noJitter)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('spreads delays from half to one and a half times the nominal one', () => {
    expect(retryDelayMs(3, 1_000, () => 0)).toBe(2_000);
    expect(retryDelayMs(3, 1_000, () => 0.999)).toBe(5_996);
  });

  it('spreads about sixteen attempts over the default 24 hours', () => {
    let elapsedMs = 0;
    let attempts = 1;
    for (;;) {
      const next = elapsedMs + retryDelayMs(attempts, 5_000, noJitter);
      if (next > 86_400_000) break;
      elapsedMs = next;
      attempts += 1;
    }
    expect(attempts).toBeGreaterThanOrEqual(14);
    expect(attempts).toBeLessThanOrEqual(18);
    expect(elapsedMs).toBeGreaterThan(20 * 3_600_000);
  });
});
