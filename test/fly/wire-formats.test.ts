import { describe, expect, test } from 'vitest';
import { authorizationHeader } from '../../src/fly/auth.js';
import { backoffDelay } from '../../protocol/backoff.js';
import { retryAfterMs } from '../../src/fly/backoff.js';
import { parseImageRef } from '../../emulator/src/image-ref.js';
import { shouldRestart } from '../../emulator/src/restart-policy.js';
import { formatDuration, parseDuration } from '../../src/fly/index.js';
import { ulid } from '../../protocol/ulid.js';

describe('the wire formats of the Machines API', () => {
  test('durations are written as Go strings and read from strings or nanoseconds', () => {
    expect([formatDuration(30_000), formatDuration(1_500)]).toEqual(['30s', '1500ms']);
    expect([parseDuration('1m30s'), parseDuration('250ms'), parseDuration(5_000_000_000)]).toEqual([90_000, 250, 5_000]);
    expect(() => parseDuration('30 seconds')).toThrow(TypeError);
  });

  test('a bare token is a Bearer token, a bare macaroon gets FlyV1, a scheme is kept', () => {
    expect(authorizationHeader('abc')).toBe('Bearer abc');
    expect(authorizationHeader('fm2_abc,fm2_def')).toBe('FlyV1 fm2_abc,fm2_def');
    expect(authorizationHeader('FlyV1 fm2_abc')).toBe('FlyV1 fm2_abc');
  });

  test('ULIDs made in the same millisecond still sort in the order they were made', () => {
    const ids = Array.from({ length: 100 }, () => ulid(1_700_000_000_000));

    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  test('image references parse the way Docker reads them', () => {
    expect(parseImageRef('ubuntu')).toMatchObject({ registry: 'registry-1.docker.io', repository: 'library/ubuntu', tag: 'latest' });
    expect(parseImageRef('registry.fly.io/app:deployment-1@sha256:abc')).toMatchObject({ registry: 'registry.fly.io', repository: 'app', tag: 'deployment-1', digest: 'sha256:abc' });
  });

  test('backoff grows exponentially within its cap, and Retry-After reads seconds or a date', () => {
    const options = { baseMs: 100, maxMs: 1_000 };

    expect([0, 1, 4].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([100, 200, 1_000]);
    expect(backoffDelay(1, options, () => 0)).toBe(100);
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
  });

  test('the restart policies decide as the Fly docs say', () => {
    const now = 1_000_000;

    expect(shouldRestart({ policy: 'always' }, 0, [], now)).toBe(true);
    expect(shouldRestart({ policy: 'no' }, 1, [], now)).toBe(false);
    expect(shouldRestart({ policy: '' }, 0, [], now)).toBe(false);
    expect(shouldRestart(undefined, 1, [], now)).toBe(true);
    expect(shouldRestart({ policy: 'on-failure', max_retries: 1 }, 1, [now - 1_000], now)).toBe(false);
    expect(shouldRestart({ policy: 'on-failure', max_retries: 1 }, 1, [now - 6 * 60_000], now)).toBe(true);
  });
});
