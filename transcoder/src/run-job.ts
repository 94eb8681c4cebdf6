import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { INSUFFICIENT_DISK } from '../../protocol/disk-budget.js';
import { MULTIPART_THRESHOLD_BYTES, type ClaimedJob, type CompleteRequest } from '../../protocol/worker-api.js';
import type { JobApi } from './api-client.js';
import { checkDiskRoom } from './disk-room.js';
import type { Log } from './log.js';
import {
  buildFfmpegArgs,
  checkInput,
  isMediaError,
  probeFile,
  redactSecrets,
  runPlan,
  verifyOutputs,
  type VerifiedRendition,
} from './media/index.js';
import { createProgressReporter } from './progress-reporter.js';
import { downloadToFile, putFile, putPart } from './transfer.js';

export interface RunJobOptions {
  api: JobApi;
  workDir: string;
  log: Log;
  /** Aborted on shutdown (SIGTERM/SIGINT): the job is handed back, not failed. */
  shutdown: AbortSignal;
  limits?: { maxWidth: number; maxHeight: number };
  killGraceMs?: number;
  /** Disk to leave free beyond what a job needs (`WORKER_DISK_RESERVE_BYTES`). @default 0 */
  diskReserveBytes?: number;
}

/** A failure outside the media layer (download, upload) with its job error code. */
class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type JobOutcome = 'completed' | 'failed' | 'canceled' | 'lost' | 'released';

/**
 * One job, start to end: download, probe, transcode, verify, upload, report. Every failure ends in a
 * typed report (FAILED with a code), a quiet stop (the API said canceled or lost), or a hand-back
 * (shutdown). The job's directory is removed whatever happens.
 */
export async function runJob(job: ClaimedJob, options: RunJobOptions): Promise<JobOutcome> {
  const { api, log } = options;
  const directory = path.join(options.workDir, job.id);
  const input = path.join(directory, 'source');
  const outputDir = path.join(directory, 'out');
  const stop = new AbortController();
  let stopReason: 'canceled' | 'lost' | null = null;
  const signal = AbortSignal.any([stop.signal, options.shutdown]);
  const reporter = createProgressReporter(api, {
    heartbeatMs: Math.max(1_000, Math.floor(job.leaseMs / 3)),
    onStop: (reason) => {
      stopReason = reason;
      log('info', `job ${reason} by the API: stopping`);
      stop.abort();
    },
    onError: (error) => log('warn', 'progress report failed', { err: String(error) }),
  });

  try {
    await rm(directory, { recursive: true, force: true });
    await mkdir(outputDir, { recursive: true });
    // Before the download: a job that cannot fit fails now, not with ENOSPC after gigabytes.
    const room = await checkDiskRoom(job, { workDir: options.workDir, reserveBytes: options.diskReserveBytes ?? 0 });
    if (room.refusal) throw new JobFailure(INSUFFICIENT_DISK, room.refusal);
    log('info', 'downloading the source', { sizeBytes: job.source.sizeBytes, neededBytes: room.neededBytes, freeBytes: room.freeBytes });

    await downloadToFile(job.source.url, input, {
      signal,
      expectedBytes: job.source.sizeBytes,
      onBytes: (bytes) => reporter.update('DOWNLOADING', bytes / job.source.sizeBytes),
    }).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new JobFailure('SOURCE_UNAVAILABLE', `The source could not be downloaded: ${(error as Error).message}`);
    });

    reporter.update('PROBING', 0);
    const probe = await probeFile(input, { signal });
    checkInput(job.spec, probe, { maxDurationSeconds: job.limits.maxDurationSeconds, maxWidth: options.limits?.maxWidth ?? 7680, maxHeight: options.limits?.maxHeight ?? 4320 });
    const plan = buildFfmpegArgs(job.spec, probe, { input, outputDir });
    reporter.update('PROBING', 1, { sourceDurationSeconds: plan.sourceDurationSeconds });
    log('info', 'transcoding', { runs: plan.runs.length, renditions: plan.renditions.map((rendition) => rendition.name), durationSeconds: plan.sourceDurationSeconds });

    await runPlan(plan, outputDir, {
      signal,
      stallMs: job.limits.stallMs,
      killGraceMs: options.killGraceMs ?? 2_000,
      onProgress: (report) =>
        reporter.update('TRANSCODING', report.percent / 100, { speed: report.speed, etaSeconds: report.etaSeconds, outTimeSeconds: report.outTimeSeconds }),
    });
    const renditions = await verifyOutputs(plan, outputDir, probe, { signal });

    reporter.update('UPLOADING', 0, { etaSeconds: null });
    await uploadRenditions(job, api, outputDir, renditions, signal, (fraction) => reporter.update('UPLOADING', fraction)).catch((error: unknown) => {
      if (signal.aborted) throw error;
      throw new JobFailure('UPLOAD_FAILED', `The outputs could not be uploaded: ${(error as Error).message}`);
    });
    reporter.stop();
    if (signal.aborted) return finishAborted();

    const result: CompleteRequest = {
      outputs: [
        ...job.outputs.map((output) => {
        const verified = renditions.find((rendition) => rendition.name === output.name);
        if (verified) return { name: output.name, sizeBytes: verified.sizeBytes, durationSeconds: verified.durationSeconds, skippedReason: null };
        const reason = plan.dropped.find((drop) => drop.name === output.name)?.reason ?? 'not produced';
        return { name: output.name, sizeBytes: null, durationSeconds: null, skippedReason: reason };
        }),
        // A rendition the claim did not list: the quality that fits a source smaller than every request.
      ...plan.renditions
        .filter((planned) => !job.outputs.some((output) => output.name === planned.name))
        .map((planned) => {
          const verified = renditions.find((rendition) => rendition.name === planned.name)!;
          return {
            name: planned.name,
            sizeBytes: verified.sizeBytes,
            durationSeconds: verified.durationSeconds,
            skippedReason: null,
            substitute: { outputIndex: planned.outputIndex, fileName: planned.fileName, contentType: planned.contentType },
          };
        }),
      ],
      notices: plan.dropped.map((drop) => drop.reason),
      sourceDurationSeconds: plan.sourceDurationSeconds,
    };
    const answer = await api.complete(result);
    return answer.status === 'ok' ? 'completed' : answer.status;
  } catch (error) {
    reporter.stop();
    if (signal.aborted) return finishAborted();
    const failure = isMediaError(error)
      ? { code: error.code, message: error.message, detail: error.stderrTail ?? null }
      : error instanceof JobFailure
        ? { code: error.code, message: error.message, detail: null }
      : { code: 'INTERNAL', message: 'The worker hit an unexpected error', detail: redactSecrets(String((error as Error)?.stack ?? error)).slice(-4096) };
    log('warn', 'job failed', { code: failure.code, message: failure.message });
    const answer = await api.fail(failure);
    return answer.status === 'ok' ? 'failed' : answer.status;
  } finally {
    reporter.stop();
    await rm(directory, { recursive: true, force: true }).catch(() => {});
  }

  async function finishAborted(): Promise<JobOutcome> {
    if (stopReason) return stopReason;
    // Shutdown: hand the job back so another worker takes it at once, without a failed attempt.
    await api.release('worker shutting down').catch((error: unknown) => log('warn', 'release failed; the lease will expire', { err: String(error) }));
    return 'released';
  }
}

async function uploadRenditions(
  job: ClaimedJob,
  api: JobApi,
  outputDir: string,
  renditions: VerifiedRendition[],
  signal: AbortSignal,
  onFraction: (fraction: number) => void,
): Promise<void> {
  const files = renditions.flatMap((rendition) => rendition.files);
  const total = files.reduce((sum, file) => sum + file.sizeBytes, 0) || 1;
  let done = 0;
  const presigned = new Map(job.outputs.filter((output) => output.upload).map((output) => [output.fileName, output.upload!]));
  // Files without a URL from the claim (HLS segments and playlists, large files) get theirs now, sized.
  const needed = files.filter((file) => !presigned.has(file.path) || file.sizeBytes > MULTIPART_THRESHOLD_BYTES);
  const granted = needed.length > 0 ? (await api.uploads({ files: needed.map(({ path: file, contentType, sizeBytes }) => ({ path: file, contentType, sizeBytes })) })).files : [];

  const queue = [...files];
  const uploadOne = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const local = path.join(outputDir, file.path);
      const grant = granted.find((candidate) => candidate.path === file!.path);
      if (grant?.kind === 'multipart') {
        const parts: Array<{ partNumber: number; etag: string }> = [];
        const { size } = await stat(local);
        for (const part of grant.parts) {
          const start = (part.partNumber - 1) * grant.partSizeBytes;
          parts.push({ partNumber: part.partNumber, etag: await putPart(part.url, local, start, Math.min(size, start + grant.partSizeBytes), signal) });
        }
        await api.completeMultipart({ path: file.path, uploadId: grant.uploadId, parts });
      } else {
        const upload = grant?.kind === 'single' ? grant.upload : presigned.get(file.path)!;
        await putFile(upload.url, local, upload.headers, signal);
      }
      done += file.sizeBytes;
      onFraction(done / total);
    }
  };
  await Promise.all(Array.from({ length: 4 }, uploadOne));
}
