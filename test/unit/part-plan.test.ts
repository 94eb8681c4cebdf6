import { describe, expect, it } from 'vitest';
import { partLength, planParts, planRefusal } from '../../src/jobs/multipart-upload.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('the part plan of an upload in parts', () => {
  it.each([1, 5 * MiB, 16 * MiB + 1, 3_000_000_000, 50 * GiB, 200 * GiB, 5 * 1024 * GiB])('fits %d bytes in at most 10,000 parts of 5 MiB or more', (size) => {
    for (const preferred of [5 * MiB, 16 * MiB]) {
      const plan = planParts(size, preferred);
      expect(plan.partCount).toBeLessThanOrEqual(10_000);
      expect(plan.partSizeBytes).toBeGreaterThanOrEqual(Math.max(5 * MiB, preferred));
      expect((plan.partCount - 1) * plan.partSizeBytes).toBeLessThan(size);
      expect(plan.partCount * plan.partSizeBytes).toBeGreaterThanOrEqual(size);
      const last = partLength(plan, size, plan.partCount);
      expect(last).toBeGreaterThan(0);
      expect(last).toBeLessThanOrEqual(plan.partSizeBytes);
      expect(planRefusal(size, preferred)).toBeNull();
    }
  });

  it('uses the preferred size while it fits, and the smallest whole MiB that fits otherwise', () => {
    expect(planParts(3_000_000_000, 16 * MiB)).toEqual({ partSizeBytes: 16 * MiB, partCount: 179 });
    expect(planParts(200 * GiB, 16 * MiB)).toEqual({ partSizeBytes: 21 * MiB, partCount: 9753 });
    expect(partLength(planParts(3_000_000_000, 16 * MiB), 3_000_000_000, 179)).toBe(3_000_000_000 - 178 * 16 * MiB);
  });

  it('refuses a size no 10,000 parts of 5 GiB can hold', () => {
    expect(planRefusal(10_000 * 5 * GiB + 1, 16 * MiB)?.field).toBe('input.source.sizeBytes');
  });
});
