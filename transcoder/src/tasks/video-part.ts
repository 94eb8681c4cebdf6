import { splitLayout } from '../split/split-layout.js';
import { encodePart } from '../split/split-runs.js';
import { sendFinal, upload, type TaskContext } from './task-context.js';
import { describeFiles } from '../upload-files.js';
import type { ReportResponse } from '../../../protocol/worker-api.js';

/**
 * VIDEO_PART: downloads the source, encodes its span (video only, every split rendition at once),
 * uploads one MP4 per rendition and reports them with `task-complete`.
 */
export async function runVideoPart(context: TaskContext): Promise<ReportResponse['status']> {
  const { job, task, probe, signal, reporter } = context;
  const input = await context.downloadSource();
  const layout = splitLayout(job.spec, probe);
  const span = { startSeconds: task.startSeconds, endSeconds: task.endSeconds, last: task.index === task.parts };
  reporter.update('TRANSCODING', 0, { sourceDurationSeconds: probe.durationSeconds });
  const files = await encodePart(layout, probe, span, { input, outputDir: context.outputDir }, {
    signal,
    stallMs: job.limits.stallMs,
    killGraceMs: context.options.killGraceMs ?? 2_000,
    onProgress: (report) => reporter.update('TRANSCODING', report.percent / 100, { speed: report.speed, etaSeconds: report.etaSeconds }),
  });
  const described = await describeFiles(context.outputDir, files, 'video/mp4');
  await upload(context, described);
  if (signal.aborted) return 'ok';
  return sendFinal(context, () => context.api.taskComplete({ files: described.map(({ path, sizeBytes }) => ({ path, sizeBytes })), outputs: [], notices: [] }));
}
