import path from 'node:path';
import type { ClaimedJob, SplitRequest } from '../../../protocol/worker-api.js';
import type { JobApi } from '../api-client.js';
import type { Log } from '../log.js';
import { KEYFRAME_GRID_SECONDS } from '../media/keyframe-grid.js';
import type { ProbeResult } from '../media/index.js';
import { outputFrameRate } from '../media/video-ladder.js';
import { planCuts, probeKeyframes } from '../split/cut-plan.js';
import { splitLayout } from '../split/split-layout.js';
import { keepSource } from './kept-source.js';

/** What the planner hands every task through the API (SplitRequest.probe). */
export interface SplitProbe {
  probe: ProbeResult;
  keyframeSeconds: number;
  frameRate: string | null;
}

/**
 * The planning step of a whole-job claim that may be split (`job.split` set): after the download and
 * probe, decides the cuts and reports them (`POST .../split`). Answers the claim's end when the job
 * was split (`split`: this lease is over, the tasks go on) or the API said `canceled`/`lost`; null
 * to run the job whole (too short, no split output, or the API refused the plan).
 */
export async function planSplit(
  job: ClaimedJob,
  context: { api: JobApi; input: string; probe: ProbeResult; signal: AbortSignal; log: Log },
): Promise<'split' | 'canceled' | 'lost' | null> {
  const policy = job.split;
  const { probe } = context;
  const duration = probe.durationSeconds;
  if (!policy || !probe.video || duration === null || duration < policy.minSourceSeconds) return null;
  if (splitLayout(job.spec, probe).videos.length === 0) return null;
  const frameRate = outputFrameRate(probe.video.frameRate);
  const keyframes = await probeKeyframes(context.input, probe.startTimeSeconds, { signal: context.signal });
  const cuts = planCuts({ durationSeconds: duration, outputFrameRate: frameRate, sourceKeyframes: keyframes, policy });
  if (cuts.length === 0) return null;
  const request: SplitRequest = {
    sourceDurationSeconds: duration,
    cuts,
    probe: { probe, keyframeSeconds: KEYFRAME_GRID_SECONDS, frameRate } satisfies SplitProbe as unknown as Record<string, unknown>,
  };
  try {
    const answer = await context.api.split(request);
    context.log('info', 'split the job', { parts: cuts.length + 1, cuts, answer: answer.status });
    if (answer.status !== 'ok') return answer.status;
    // This worker usually claims one of the parts next: it keeps the source it has (the job's directory,
    // `<workDir>/<jobId>`, is removed once the planning ends, so the file is moved out of it first).
    await keepSource(path.dirname(path.dirname(context.input)), job.id, context.input).catch((error: unknown) =>
      context.log('warn', 'could not keep the source for the tasks', { err: String(error) }),
    );
    return 'split';
  } catch (error) {
    // A plan the API refuses (or cannot take) is no reason to fail the job: it runs whole here.
    context.log('warn', 'the API did not take the split; running the job whole', { err: String(error) });
    return null;
  }
}
