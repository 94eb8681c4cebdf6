import { describe, expect, it } from 'vitest';
import { planCuts } from '../../transcoder/src/split/cut-plan.js';

const every = (step: number, until: number): number[] => Array.from({ length: Math.floor(until / step) + 1 }, (_, index) => index * step);

describe('planCuts', () => {
  it('cuts a 40 s source into 2 or 3 near-equal parts on the 6 s keyframe grid', () => {
    const base = { durationSeconds: 40, outputFrameRate: '25', sourceKeyframes: every(1.92, 40) };
    expect(planCuts({ ...base, policy: { maxParts: 2, minPartSeconds: 10 } })).toEqual([18]);
    expect(planCuts({ ...base, policy: { maxParts: 3, minPartSeconds: 10 } })).toEqual([12, 24]);
  });

  it('runs whole when fewer than two parts of the minimum length fit', () => {
    expect(planCuts({ durationSeconds: 40, outputFrameRate: '25', sourceKeyframes: [], policy: { maxParts: 8, minPartSeconds: 30 } })).toEqual([]);
    expect(planCuts({ durationSeconds: 400, outputFrameRate: '25', sourceKeyframes: [], policy: { maxParts: 1, minPartSeconds: 60 } })).toEqual([]);
  });

  it('takes as many parts as the pool allows, each no shorter than the minimum', () => {
    const cuts = planCuts({ durationSeconds: 5400, outputFrameRate: '24', sourceKeyframes: [], policy: { maxParts: 32, minPartSeconds: 60 } });
    expect(cuts).toHaveLength(31);
    const bounds = [0, ...cuts, 5400];
    for (let index = 1; index < bounds.length; index++) expect(bounds[index]! - bounds[index - 1]!).toBeGreaterThanOrEqual(60);
    for (const cut of cuts) expect(cut % 6).toBe(0);
  });

  it('prefers a nearby grid point where the source has a keyframe', () => {
    // Ideal cut 2700 s; source keyframes only every 10 s: 2700 is one (and on the grid), 2706 is not.
    const keyframes = every(10, 5400);
    expect(planCuts({ durationSeconds: 5400, outputFrameRate: '24', sourceKeyframes: keyframes, policy: { maxParts: 2, minPartSeconds: 60 } })).toEqual([2700]);
    // Ideal 2705 s: nearest grid point 2706 has no source keyframe, 2700 (within 5 % of a part) has.
    expect(planCuts({ durationSeconds: 5410, outputFrameRate: '24', sourceKeyframes: keyframes, policy: { maxParts: 2, minPartSeconds: 60 } })).toEqual([2700]);
    // Without keyframes nearby it cuts at the nearest grid point anyway.
    expect(planCuts({ durationSeconds: 5410, outputFrameRate: '24', sourceKeyframes: [], policy: { maxParts: 2, minPartSeconds: 60 } })).toEqual([2706]);
  });

  it('moves a cut to the first output frame at or after its grid point at NTSC rates', () => {
    const [cut] = planCuts({ durationSeconds: 40, outputFrameRate: '30000/1001', sourceKeyframes: [], policy: { maxParts: 2, minPartSeconds: 10 } });
    // 18 s * 29.97 = 539.46 frames: the keyframe lands on frame 540, at 540 * 1001 / 30000 s.
    expect(cut).toBeCloseTo((540 * 1001) / 30000, 5);
  });
});
