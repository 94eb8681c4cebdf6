import { describe, expect, test } from 'vitest';
import { emulatorOptionsFromEnv } from '../../emulator/src/index.js';
import { FLY_RATE_LIMITS } from '../../src/fly/index.js';

describe('the emulator knobs read from FLY_EMULATOR_* variables', () => {
  test('each knob sets its option', () => {
    const options = emulatorOptionsFromEnv({
      FLY_EMULATOR_CREATE_DELAY_MS: '5000',
      FLY_EMULATOR_START_DELAY_MS: '200',
      FLY_EMULATOR_NOT_FOUND_WINDOW_MS: '750',
      FLY_EMULATOR_RATE_LIMIT: '2:5',
      FLY_EMULATOR_FAIL_RATE: '0.1',
      FLY_EMULATOR_FAIL_CREATES: '2:408',
      FLY_EMULATOR_STRICT_WAIT: 'false',
      FLY_EMULATOR_MISSING_IMAGES: 'registry.fly.io/a:1, registry.fly.io/b:2',
    });

    expect(options).toEqual({
      createDelayMs: 5_000,
      startDelayMs: 200,
      notFoundWindowMs: 750,
      rateLimits: { default: { perSecond: 2, burst: 5 }, get: FLY_RATE_LIMITS.get },
      failRate: 0.1,
      failCreates: { count: 2, status: 408 },
      strictWait: false,
      missingImages: ['registry.fly.io/a:1', 'registry.fly.io/b:2'],
    });
  });

  test('"off" turns rate limiting off, and no variables set nothing', () => {
    expect(emulatorOptionsFromEnv({ FLY_EMULATOR_RATE_LIMIT: 'off' })).toEqual({ rateLimits: false });
    expect(emulatorOptionsFromEnv({})).toEqual({});
  });

  test('one error names every bad variable', () => {
    const read = () => emulatorOptionsFromEnv({ FLY_EMULATOR_START_DELAY_MS: 'soon', FLY_EMULATOR_FAIL_CREATES: '2:404', FLY_EMULATOR_FAIL_RATE: '2' });

    expect(read).toThrow(/FLY_EMULATOR_START_DELAY_MS[\s\S]*FLY_EMULATOR_FAIL_RATE[\s\S]*FLY_EMULATOR_FAIL_CREATES/);
  });
});
