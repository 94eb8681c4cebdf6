import { describe, expect, it } from 'vitest';
import { FLY_PRICES, machinePricePerSecondUsd } from '../../src/pricing/fly-machine-prices.js';
import { validateLifecycleInput } from '../../src/jobs/lifecycle-input.js';
import { ValidationError } from '../../src/jobs/errors.js';

const MONTH = 30 * 24 * 3600;

describe('the Fly machine price table', () => {
  it('names its source and date', () => {
    expect(FLY_PRICES.source).toBe('https://fly.io/docs/about/pricing/');
    expect(FLY_PRICES.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('prices the preset sizes at their monthly list price, per second', () => {
    expect(machinePricePerSecondUsd({ cpuKind: 'shared', cpus: 1, memoryMb: 256 }) * MONTH).toBeCloseTo(1.94, 6);
    expect(machinePricePerSecondUsd({ cpuKind: 'performance', cpus: 1, memoryMb: 2048 }) * MONTH).toBeCloseTo(31, 6);
    expect(machinePricePerSecondUsd({ cpuKind: 'performance', cpus: 2, memoryMb: 4096 }) * MONTH).toBeCloseTo(62, 6);
  });

  it('adds memory beyond what the CPUs include at the per-GB price', () => {
    // performance-1x with 4 GB: 2 GB more than included.
    expect(machinePricePerSecondUsd({ cpuKind: 'performance', cpus: 1, memoryMb: 4096 }) * MONTH).toBeCloseTo(31 + 2 * 5, 6);
    // shared-cpu-2x with 2 GB (the pool's default for 2 shared CPUs is 1 GB each).
    expect(machinePricePerSecondUsd({ cpuKind: 'shared', cpus: 2, memoryMb: 2048 }) * MONTH).toBeCloseTo(2 * 1.94 + 1.5 * 5, 6);
  });
});

describe('createJob lifecycle input', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('defaults expiresAt from RETENTION_S, keeps the job without it, and refuses a past expiresAt', () => {
    expect(validateLifecycleInput({}, { now, retentionSeconds: 60 })).toEqual({ metadata: null, expiresAt: new Date(now + 60_000) });
    expect(validateLifecycleInput({}, { now, retentionSeconds: null })).toEqual({ metadata: null, expiresAt: null });
    const past = validateLifecycleInput({ expiresAt: new Date(now) }, { now, retentionSeconds: 60 });
    expect(past).toBeInstanceOf(ValidationError);
    expect((past as ValidationError).field).toBe('input.expiresAt');
  });
});
