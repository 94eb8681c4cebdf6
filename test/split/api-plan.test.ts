import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/job-spec.js';
import { checkSplitRequest, planTasks, splitPolicyFor } from '../../src/jobs/split-plan.js';

const spec = (outputs: unknown[]) => ({ outputs }) as unknown as JobSpec;
const web = { kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities: ['P720', 'P360'] };
const hls = { kind: 'video', name: 'hls', preset: 'HLS', qualities: ['P360'] };
const mp3 = { kind: 'audio', name: 'mp3', format: 'MP3', bitrateKbps: 128 };

describe('the split policy and plan', () => {
  it('offers a split only with splitting on and a WEB_OPTIMIZED or HLS output, with parts of at least min(60, S/2) s', () => {
    expect(splitPolicyFor({ splitMinSeconds: 600, maxMachines: 8 }, spec([web]))).toEqual({ minSourceSeconds: 600, maxParts: 8, minPartSeconds: 60 });
    expect(splitPolicyFor({ splitMinSeconds: 20, maxMachines: 2 }, spec([hls]))).toEqual({ minSourceSeconds: 20, maxParts: 2, minPartSeconds: 10 });
    // One machine at most: one part at most, so no policy (the worker does not plan for nothing).
    expect(splitPolicyFor({ splitMinSeconds: 20, maxMachines: 1 }, spec([hls]))).toBeNull();
    expect(splitPolicyFor({ splitMinSeconds: 20, maxMachines: 0 }, spec([hls]))).toBeNull();
    expect(splitPolicyFor({ splitMinSeconds: 0, maxMachines: 8 }, spec([web]))).toBeNull();
    expect(splitPolicyFor({ splitMinSeconds: 600, maxMachines: 8 }, spec([mp3]))).toBeNull();
  });

  it('refuses cuts the policy does not allow', () => {
    const policy = { minSourceSeconds: 20, maxParts: 3, minPartSeconds: 10 };
    const request = (cuts: number[]) => ({ sourceDurationSeconds: 30, cuts, probe: {} });
    expect(checkSplitRequest(policy, request([10, 20]))).toBeNull();
    expect(checkSplitRequest(policy, request([]))).toMatch(/at least one cut/);
    expect(checkSplitRequest(policy, request([5, 10, 20]))).toMatch(/at most 3 parts/);
    expect(checkSplitRequest(policy, request([20, 10]))).toMatch(/ascending/);
    expect(checkSplitRequest(policy, request([0]))).toMatch(/inside/);
    expect(checkSplitRequest(policy, request([30]))).toMatch(/inside/);
    expect(checkSplitRequest(null, request([10]))).toMatch(/may not be split/);
  });

  it('weighs parts by their seconds times the video renditions, the audio by a tenth per audio unit, the stitch 5 %', () => {
    const tasks = planTasks(spec([web, hls, mp3]), { sourceDurationSeconds: 30, cuts: [10], probe: {} });
    expect(tasks.map((task) => [task.kind, task.index, task.position, task.status, task.startSeconds, task.endSeconds, task.weight])).toEqual([
      // Audio: 30 s x 0.1 x (2 split outputs' tracks + 1 MP3).
      ['AUDIO', 0, 0, 'QUEUED', 0, 30, 9],
      // Parts: their seconds x 3 video renditions (web 720p, web 360p, hls).
      ['VIDEO_PART', 1, 1, 'QUEUED', 0, 10, 30],
      ['VIDEO_PART', 2, 2, 'QUEUED', 10, 30, 60],
      ['STITCH', 0, 3, 'WAITING', 0, 30, expect.closeTo(4.95, 5)],
    ]);
  });
});
