import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { INSUFFICIENT_DISK } from '../../protocol/disk-budget.js';
import type { ClaimedJob, CompleteRequest, FailRequest, ReportResponse } from '../../protocol/worker-api.js';
import type { JobApi } from './api-client.js';
import { checkDiskRoom } from './disk-room.js';
import type { Log } from './log.js';
import {
  buildFfmpegArgs,
  checkInput,
  isMediaError,
  measureSourceLoudness,
  probeFile,
  redactSecrets,
  runPlan,
  verifyOutputs,
  type FfmpegPlan,
  type ProbeResult,
  type VerifiedFile,
} from './media/index.js';
import { classifyFailure } from './classify-failure.js';
import { createProgressReporter } from './progress-reporter.js';
import { startDownload, type SourceDownload } from './source-download.js';
import { probeWhileDownloading } from './early-probe.js';
import { fetchAndCopySource } from './ingest.js';
import { CopyLeaseEnded } from './source-copy.js';
import { reportOutputs } from './report-outputs.js';
import { LeaseEnded, uploadFiles } from './upload-files.js';
import { planSplit } from './tasks/plan-split.js';

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
  /** Test seam for URL sources: addresses the fetch treats as public (`WORKER_TEST_PUBLIC_ADDRESSES`). */
  publicAddresses?: readonly string[];
}

/** A failure outside the media layer (download, upload) with its job error code. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}


/** `split`: the planner reported the cuts; the job goes on as tasks (issue 18). */
export type JobOutcome = 'completed' | 'failed' | 'canceled' | 'lost' | 'released' | 'split';

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
  let download: SourceDownload | null = null;
  let early: ProbeResult | null = null;
  const downloadFailed = (error: unknown): never => {
    if (signal.aborted) throw error;
    throw new JobFailure('SOURCE_UNAVAILABLE', `The source could not be downloaded: ${(error as Error).message}`, { cause: error });
  };
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
    if (job.source.fetch) {
      await fetchAndCopySource(job, input, { ...options, log, signal, reporter });
    } else {
      // Before the download: a job that cannot fit fails now, not with ENOSPC after gigabytes.
      const room = await checkDiskRoom(job, { workDir: options.workDir, reserveBytes: options.diskReserveBytes ?? 0 });
      if (room.refusal) throw new JobFailure(INSUFFICIENT_DISK, room.refusal);
      log('info', 'downloading the source', { sizeBytes: job.source.sizeBytes, neededBytes: room.neededBytes, freeBytes: room.freeBytes });
      const sizeBytes = job.source.sizeBytes!;
      download = startDownload(job.source.url!, input, {
        signal,
        expectedBytes: sizeBytes,
        onBytes: (bytes) => !early && reporter.update('DOWNLOADING', bytes / sizeBytes),
      });
      // A WAV is probed from its head and transcoded as it arrives (see early-probe.ts).
      early = await probeWhileDownloading(download, input, sizeBytes, signal).catch(downloadFailed);
      if (!early) await download.done.catch(downloadFailed);
    }

    reporter.update('PROBING', 0);
    const probe = early ?? (await probeFile(input, { signal }));
    checkInput(job.spec, probe, { maxDurationSeconds: job.limits.maxDurationSeconds, maxWidth: options.limits?.maxWidth ?? 7680, maxHeight: options.limits?.maxHeight ?? 4320 });
    // A long source with WEB_OPTIMIZED/HLS outputs may be split into tasks run by many workers.
    // Only whole files are planned: a source probed early (streamed WAV) has no video to split anyway.
    const split = job.split && !early ? await planSplit(job, { api, input, probe, signal, log }) : null;
    if (split) return split;
    // A loudness pass reads the whole source before the plan: it waits for the download.
    if (early && needsLoudnessPass(job.spec)) await download!.done.catch(downloadFailed);
    const streaming = early !== null && !needsLoudnessPass(job.spec);
    // The first loudness pass (audio only) when an output asks for normalisation; nothing otherwise.
    const loudness = await measureSourceLoudness(job.spec, probe, { input }, { signal, stallMs: job.limits.stallMs });
    const plan = buildFfmpegArgs(job.spec, probe, { input, outputDir }, { loudness });
    reporter.update('PROBING', 1, { sourceDurationSeconds: plan.sourceDurationSeconds });
    log('info', 'transcoding', { runs: plan.runs.length, renditions: plan.renditions.map((rendition) => rendition.name), durationSeconds: plan.sourceDurationSeconds });

    await runPlan(plan, outputDir, {
      ...(streaming ? { streamedInput: { file: input, open: () => download!.follow(), complete: download!.done } } : {}),
      signal,
      stallMs: job.limits.stallMs,
      killGraceMs: options.killGraceMs ?? 2_000,
      onProgress: (report) =>
        reporter.update('TRANSCODING', report.percent / 100, { speed: report.speed, etaSeconds: report.etaSeconds, outTimeSeconds: report.outTimeSeconds }),
    }).catch((error: unknown) => {
      // A source that stopped arriving is the cause, whatever ffmpeg made of its end.
      if (download?.failure) downloadFailed(download.failure);
      throw error;
    });
    if (streaming) await download!.done.catch(downloadFailed);
    log('debug', 'transcoded');
    // Single-file outputs upload while they are verified: only the complete report publishes them, and
    // a failed verification stops their upload (what an attempt leaves under its prefix is never read).
    const uploadFailed = (error: unknown): never => {
      if (signal.aborted || error instanceof LeaseEnded) throw error;
      throw new JobFailure('UPLOAD_FAILED', `The outputs could not be uploaded: ${(error as Error).message}`, { cause: error });
    };
    const stopUploads = new AbortController();
    const uploadSignal = AbortSignal.any([signal, stopUploads.signal]);
    const ahead = await singleFiles(plan, outputDir);
    const uploadingAhead = uploadFiles(api, outputDir, ahead, uploadSignal, () => {});
    uploadingAhead.catch(() => {});
    const renditions = await verifyOutputs(plan, outputDir, probe, { signal }).catch(async (error: unknown) => {
      stopUploads.abort();
      await uploadingAhead.catch(() => {});
      throw error;
    });
    log('debug', 'verified');

    reporter.update('UPLOADING', 0, { etaSeconds: null });
    const rest = renditions.flatMap((rendition) => rendition.files).filter((file) => !ahead.some((early) => early.path === file.path));
    await Promise.all([uploadingAhead, uploadFiles(api, outputDir, rest, signal, (fraction) => reporter.update('UPLOADING', fraction))]).catch(uploadFailed);
    log('debug', 'uploaded');
    reporter.stop();
    if (signal.aborted) return finishAborted();

    const result: CompleteRequest = {
      // Every rendition of the claim (produced or skipped), plus any substitute quality it did not list.
      outputs: reportOutputs(job, new Set(job.outputs.map((output) => output.name)), plan, renditions),
      notices: [...plan.dropped.map((drop) => drop.reason), ...plan.notices],
      sourceDurationSeconds: plan.sourceDurationSeconds,
    };
    const answer = await report(() => api.complete(result));
    return answer === 'ok' ? 'completed' : answer;
  } catch (error) {
    reporter.stop();
    if (error instanceof LeaseEnded || error instanceof CopyLeaseEnded) return error.reason;
    if (signal.aborted) return finishAborted();
    const failure: FailRequest = await classifyFailure(error, directory, input);
    log('warn', 'job failed', { code: failure.code, message: failure.message });
    const answer = await report(() => api.fail(failure));
    return answer === 'ok' ? 'failed' : answer;
  } finally {
    reporter.stop();
    // A job that ends while its source still arrives (ffmpeg failed, a cancel) stops the download first.
    download?.abort();
    await download?.done.catch(() => {});
    await rm(directory, { recursive: true, force: true }).catch(() => {});
  }

  /**
   * Sends a final report. The client retries it through an API outage for longer than the lease; if
   * the API is still out of reach after that, the job is no longer ours (the API has taken it back):
   * give it up quietly as `lost` rather than crash.
   */
  async function report(send: () => Promise<ReportResponse>): Promise<ReportResponse['status']> {
    try {
      return (await send()).status;
    } catch (error) {
      log('warn', 'the API did not take the report; the lease will have expired: giving the job up', { err: String(error) });
      return 'lost';
    }
  }

  async function finishAborted(): Promise<JobOutcome> {
    if (stopReason) return stopReason;
    // Shutdown: hand the job back so another worker takes it at once, without a failed attempt.
    await api.release('worker shutting down').catch((error: unknown) => log('warn', 'release failed; the lease will expire', { err: String(error) }));
    return 'released';
  }
}

/** Whether an output asks for loudness normalisation (a first pass over the whole source). */
function needsLoudnessPass(spec: ClaimedJob['spec']): boolean {
  return spec.outputs.some((output) => output.kind === 'audio' && Boolean(output.loudness));
}

/** The main files of single-file outputs (audio, MP4), as planned: they can upload while being verified. */
async function singleFiles(plan: FfmpegPlan, outputDir: string): Promise<VerifiedFile[]> {
  const files: VerifiedFile[] = [];
  for (const rendition of plan.renditions) {
    if (rendition.expected.kind !== 'audio' && rendition.expected.kind !== 'mp4') continue;
    // A missing file is verification's to report: it is just not uploaded ahead.
    const size = await stat(path.join(outputDir, rendition.fileName)).then((stats) => stats.size, () => 0);
    if (size > 0) files.push({ path: rendition.fileName, sizeBytes: size, contentType: rendition.contentType });
  }
  return files;
}

