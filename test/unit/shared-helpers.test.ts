import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../protocol/backoff.js';
import { canonicalJson } from '../../src/canonical-json.js';
import { hashInput } from '../../src/jobs/idempotency.js';
import { withTimeout } from '../../src/with-timeout.js';

describe('canonicalJson, the one serialisation ffly hashes', () => {
  it('sorts keys and leaves out undefined and null fields, at every depth', () => {
    expect(canonicalJson({ b: [1, { y: null, x: 'a' }], a: undefined, c: null })).toBe('{"b":[1,{"x":"a"}]}');
  });

  it('keeps the idempotency hashes already stored', () => {
    // Pinned: a different serialisation would make every stored idempotency key mismatch its replay.
    expect(hashInput({ b: [1, { y: null, x: 'a' }], a: undefined, c: null })).toBe('7b496f2438c1bd799193152ff1f959228af3deeb77cf6d4b6ce1ff2fb9190971');
  });
});

describe('backoffDelay, the one exponential backoff', () => {
  it('doubles up to the cap and stays finite however many attempts failed', () => {
    const options = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay(5_000, { baseMs: 0, maxMs: 1_000 }, () => 1)).toBe(0);
    expect(backoffDelay(5_000, options, () => 0.5)).toBe(750);
  });

  it('spreads around the nominal delay with spread jitter', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1_000, jitter: 'spread' }, () => 0)).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1_000, jitter: 'spread' }, () => 0.5)).toBe(400);
  });
});

describe('withTimeout', () => {
  it('answers with the promise when it settles first', async () => {
    await expect(withTimeout(Promise.resolve('done'), 1_000, () => 'late')).resolves.toBe('done');
  });

  it('answers with the fallback, or its error, when the promise hangs', async () => {
    const never = new Promise<string>(() => {});
    await expect(withTimeout(never, 1, () => 'fallback')).resolves.toBe('fallback');
    await expect(
      withTimeout(never, 1, () => {
        throw new Error('timed out');
      }),
    ).rejects.toThrow('timed out');
  });
});
