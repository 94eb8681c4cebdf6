import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobSpec } from '../../../protocol/job-spec.js';
import type { FfmpegPlan } from '../media/plan.js';
import type { ProbeResult } from '../media/probe.js';
import { runPlan, type RunPlanOptions } from '../media/run-plan.js';
import { verifyOutputs, type VerifiedRendition } from '../media/verify.js';
import { buildAudioTrackRun, buildPartRun, type PartSpan } from './part-args.js';
import type { SplitLayout } from './split-layout.js';
import { buildStitchPlan } from './stitch-args.js';

/** The spans of the parts for these cuts: [0, c1), [c1, c2), ..., [cN-1, duration). */
export function partSpans(cuts: readonly number[], durationSeconds: number): PartSpan[] {
  const bounds = [0, ...cuts, durationSeconds];
  return bounds.slice(0, -1).map((startSeconds, index) => ({
    startSeconds,
    endSeconds: bounds[index + 1]!,
    last: index === bounds.length - 2,
  }));
}

/** Runs one part's encode from a local source; answers the files it wrote (relative to `outputDir`). */
export async function encodePart(
  layout: SplitLayout,
  probe: ProbeResult,
  span: PartSpan,
  paths: { input: string; outputDir: string },
  options: RunPlanOptions = {},
): Promise<string[]> {
  const { run, files } = buildPartRun(layout, probe, span, paths);
  await runPlan(bareplan([run], files, span.endSeconds - span.startSeconds), paths.outputDir, options);
  return files;
}

/** Encodes the split renditions' audio tracks from a local source; answers the files (relative). */
export async function encodeAudioTracks(
  layout: SplitLayout,
  probe: ProbeResult,
  paths: { input: string; outputDir: string },
  options: RunPlanOptions = {},
): Promise<string[]> {
  const run = buildAudioTrackRun(layout, probe, paths);
  if (!run) return [];
  const files = layout.audioTracks.map((track) => track.path);
  await runPlan(bareplan([run], files, probe.durationSeconds ?? 1), paths.outputDir, options);
  return files;
}

/**
 * Joins the parts (already in place, see stitchPartFile / stitchAudioFile) into the split outputs in
 * `outputDir` and verifies them as a single run's: answers the plan (renditions, drops) and what
 * verification found.
 */
export async function stitchParts(
  spec: JobSpec,
  layout: SplitLayout,
  probe: ProbeResult,
  spans: ReadonlyArray<{ startSeconds: number; endSeconds: number }>,
  paths: { workDir: string; outputDir: string },
  options: RunPlanOptions = {},
): Promise<{ plan: FfmpegPlan; renditions: VerifiedRendition[] }> {
  const { plan, lists } = buildStitchPlan(spec, layout, probe, spans, paths);
  for (const list of lists) {
    await mkdir(path.dirname(list.file), { recursive: true });
    await writeFile(list.file, list.content);
  }
  await runPlan(plan, paths.outputDir, options);
  const renditions = await verifyOutputs(plan, paths.outputDir, probe, { signal: options.signal });
  return { plan, renditions };
}

/** A plan with no renditions to verify: intermediates only, whose directories must exist first. */
function bareplan(runs: FfmpegPlan['runs'], files: string[], durationSeconds: number): FfmpegPlan {
  return {
    runs,
    renditions: [],
    dropped: [],
    directories: [...new Set(files.map((file) => path.posix.dirname(file)))],
    sourceDurationSeconds: durationSeconds,
    textFiles: [],
    imageFallbacks: [],
    notices: [],
  };
}
