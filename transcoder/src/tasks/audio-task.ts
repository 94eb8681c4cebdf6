import { expandRenditions, type JobSpec } from '../../../protocol/job-spec.js';
import type { ReportResponse } from '../../../protocol/worker-api.js';
import { buildFfmpegArgs, measureSourceLoudness, runPlan, verifyOutputs, type FfmpegPlan, type VerifiedRendition } from '../media/index.js';
import { buildAudioTrackRun } from '../split/part-args.js';
import { isSplitOutput, splitLayout } from '../split/split-layout.js';
import { reportOutputs } from '../report-outputs.js';
import { sendFinal, upload, type TaskContext } from './task-context.js';
import { describeFiles } from '../upload-files.js';

/**
 * AUDIO: downloads the source, encodes the whole audio once per AAC bitrate the split renditions use
 * (no priming at joins), and produces every output that is not split (audio presets, images,
 * waveforms, PASSTHROUGH) through the ordinary pipeline in the same pass; uploads it all and reports
 * the audio tracks as files and the other outputs as a completion would.
 */
export async function runAudioTask(context: TaskContext): Promise<ReportResponse['status']> {
  const { job, probe, signal, reporter } = context;
  const input = await context.downloadSource();
  const layout = splitLayout(job.spec, probe);
  const paths = { input, outputDir: context.outputDir };
  const others: JobSpec = { outputs: layout.others.map(({ output }) => output) };

  let plan: FfmpegPlan;
  if (others.outputs.length > 0) {
    const loudness = await measureSourceLoudness(others, probe, { input }, { signal, stallMs: job.limits.stallMs });
    const built = buildFfmpegArgs(others, probe, paths, { loudness });
    // Back to the job's own output indexes (the plan numbered the filtered spec).
    plan = { ...built, renditions: built.renditions.map((rendition) => ({ ...rendition, outputIndex: layout.others[rendition.outputIndex]!.outputIndex })) };
  } else {
    plan = { runs: [], renditions: [], dropped: [], directories: [], sourceDurationSeconds: probe.durationSeconds ?? 1, textFiles: [], imageFallbacks: [], notices: [] };
  }
  const tracks = buildAudioTrackRun(layout, probe, paths);
  if (tracks) {
    plan.runs.push(tracks);
    plan.directories.push('split/audio');
  }
  reporter.update('TRANSCODING', 0, { sourceDurationSeconds: probe.durationSeconds });
  await runPlan(plan, context.outputDir, {
    signal,
    stallMs: job.limits.stallMs,
    killGraceMs: context.options.killGraceMs ?? 2_000,
    onProgress: (report) => reporter.update('TRANSCODING', report.percent / 100, { speed: report.speed, etaSeconds: report.etaSeconds }),
  });
  const renditions: VerifiedRendition[] = plan.renditions.length > 0 ? await verifyOutputs(plan, context.outputDir, probe, { signal }) : [];
  const trackFiles = await describeFiles(context.outputDir, layout.audioTracks.map((track) => track.path), 'audio/mp4');
  await upload(context, [...renditions.flatMap((rendition) => rendition.files), ...trackFiles]);
  if (signal.aborted) return 'ok';

  const splitNames = new Set(expandRenditions({ outputs: job.spec.outputs.filter(isSplitOutput) }).map((rendition) => rendition.name));
  const ownNames = new Set(job.outputs.map((output) => output.name).filter((name) => !splitNames.has(name)));
  return sendFinal(context, () =>
    context.api.taskComplete({
      files: trackFiles.map(({ path, sizeBytes }) => ({ path, sizeBytes })),
      outputs: reportOutputs(job, ownNames, plan, renditions),
      notices: [...plan.dropped.map((drop) => drop.reason), ...plan.notices],
    }),
  );
}
