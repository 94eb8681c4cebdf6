import type { Job } from '../client/jobs.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { createProgressBar } from './progress-bar.js';

/** Labels are padded to this width (the longest phase name) so stacked bars line up. */
export const LABEL_WIDTH = 11;

/** A bar for bytes moving (upload, download): amount, rate and ETA. */
export function createTransferBar(label: string, totalBytes: number, options: { labelWidth?: number; stream?: NodeJS.WriteStream } = {}) {
  const started = Date.now();
  const size = formatBytes(totalBytes);
  const bar = createProgressBar({
    total: totalBytes,
    stream: options.stream,
    format: `${label.padEnd(options.labelWidth ?? LABEL_WIDTH)} |{bar}| {percentage}% | {done} of ${size} | {rate} | ETA {eta_formatted}`,
    line: (percent, fields) => `${label} ${percent}% (${fields.done ?? '0 B'} of ${size}, ${fields.rate ?? '-'})`,
  });
  return {
    update(bytes: number) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(bytes, { done: formatBytes(bytes), rate: seconds > 0 ? `${formatBytes(bytes / seconds)}/s` : '-' });
    },
    stop: () => bar.stop(),
  };
}

/** A bar for a job from its jobUpdated events: phase, percent, speed and the API's ETA. */
export function createJobBar(stream?: NodeJS.WriteStream) {
  const bar = createProgressBar({
    total: 100,
    stream,
    keyField: 'phase',
    // "remaining", not "eta": cli-progress fills {eta} with its own estimate, while ffmpeg's is better.
    format: '{phase} |{bar}| {percentage}% | {speed} | ETA {remaining}',
    line: (percent, fields) => `${fields.phase?.trim()} ${percent}% (speed ${fields.speed}, ETA ${fields.remaining})`,
  });
  return {
    update(job: Job) {
      // Before the worker reports (QUEUED) and after it ends (FAILED, CANCELED) the status says more than the phase.
      const phase = job.status === 'RUNNING' && job.progress ? job.progress.phase : job.status;
      bar.update(job.progress?.percent ?? 0, {
        phase: phase.padEnd(LABEL_WIDTH),
        speed: formatSpeed(job.progress?.speed),
        remaining: job.status === 'RUNNING' ? formatDuration(job.progress?.etaSeconds) : '--:--',
      });
    },
    stop: () => bar.stop(),
  };
}
