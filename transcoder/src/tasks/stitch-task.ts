import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expandRenditions } from '../../../protocol/job-spec.js';
import type { ReportResponse } from '../../../protocol/worker-api.js';
import { JobFailure } from '../run-job.js';
import { isSplitOutput, splitLayout } from '../split/split-layout.js';
import { partSpans, stitchParts } from '../split/split-runs.js';
import { stitchAudioFile, stitchPartFile } from '../split/stitch-args.js';
import { downloadToFile } from '../transfer.js';
import { reportOutputs } from '../report-outputs.js';
import { sendFinal, upload, type TaskContext } from './task-context.js';

/** "split/video/<output>/<label>.mp4" (as a part uploads it) -> its output name and label. */
const PART_FILE = /^split\/video\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)\.mp4$/;
const AUDIO_FILE = /^split\/audio\/aac-(\d+)k\.m4a$/;

/**
 * STITCH: downloads every part's files and the audio tracks, joins them without re-encoding, verifies
 * the result as a single run's, uploads it and ends the job with the ordinary `complete`, reporting
 * the split outputs (the API merges in the AUDIO task's).
 */
export async function runStitchTask(context: TaskContext): Promise<ReportResponse['status']> {
  const { job, task, probe, signal, reporter } = context;
  const layout = splitLayout(job.spec, probe);
  const work = path.join(context.directory, 'parts');
  const downloads = task.inputs.flatMap((input) =>
    input.files.map((file) => {
      const part = PART_FILE.exec(file.path);
      const audio = AUDIO_FILE.exec(file.path);
      const local = part && input.kind === 'VIDEO_PART'
        ? stitchPartFile(work, part[1]!, part[2]!, input.index)
        : audio && input.kind === 'AUDIO' ? stitchAudioFile(work, Number(audio[1])) : null;
      if (!local) throw new JobFailure('INTERNAL', `unexpected stitch input ${input.kind} ${input.index}: ${file.path}`);
      return { ...file, local };
    }),
  );
  const total = downloads.reduce((sum, file) => sum + file.sizeBytes, 0) || 1;
  let done = 0;
  reporter.update('DOWNLOADING', 0);
  for (const file of downloads) {
    await mkdir(path.dirname(file.local), { recursive: true });
    const before = done;
    await downloadToFile(file.url, file.local, { signal, expectedBytes: file.sizeBytes, onBytes: (bytes) => reporter.update('DOWNLOADING', (before + bytes) / total) }).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new JobFailure('SOURCE_UNAVAILABLE', `A part could not be downloaded: ${(error as Error).message}`, { cause: error });
    });
    done += file.sizeBytes;
  }

  const duration = task.plan.sourceDurationSeconds;
  reporter.update('TRANSCODING', 0, { sourceDurationSeconds: duration });
  const { plan, renditions } = await stitchParts(job.spec, layout, probe, partSpans(task.plan.cuts, duration), { workDir: work, outputDir: context.outputDir }, {
    signal,
    stallMs: job.limits.stallMs,
    killGraceMs: context.options.killGraceMs ?? 2_000,
    onProgress: (report) => reporter.update('TRANSCODING', report.percent / 100, { speed: report.speed, etaSeconds: report.etaSeconds }),
  });
  await upload(context, renditions.flatMap((rendition) => rendition.files));
  if (signal.aborted) return 'ok';

  const splitNames = new Set(expandRenditions({ outputs: job.spec.outputs.filter(isSplitOutput) }).map((rendition) => rendition.name));
  return sendFinal(context, () =>
    context.api.complete({
      outputs: reportOutputs(job, splitNames, plan, renditions),
      notices: plan.dropped.map((drop) => drop.reason),
      sourceDurationSeconds: duration,
    }),
  );
}
