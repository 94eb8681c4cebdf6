import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { INSUFFICIENT_DISK } from '../../../protocol/disk-budget.js';
import type { ClaimedJob, FailRequest, ReportResponse } from '../../../protocol/worker-api.js';
import { classifyFailure } from '../classify-failure.js';
import { checkDiskRoom } from '../disk-room.js';
import type { ProbeResult } from '../media/index.js';
import { createProgressReporter } from '../progress-reporter.js';
import type { JobOutcome, RunJobOptions } from '../run-job.js';
import { JobFailure } from '../run-job.js';
import { downloadToFile } from '../transfer.js';
import { runAudioTask } from './audio-task.js';
import { dropKeptSource, keepSource, keptSource } from './kept-source.js';
import { runStitchTask } from './stitch-task.js';
import type { TaskContext } from './task-context.js';
import { LeaseEnded } from '../upload-files.js';
import { runVideoPart } from './video-part.js';

/**
 * One task of a split job (a video part, the audio, or the stitch), start to end, with the same
 * guarantees as a whole job: every failure ends in a typed `fail` (the API retries the task alone when
 * the code allows), `canceled`/`lost` stop quietly, a shutdown hands the task back, and the task's
 * directory is removed whatever happens.
 */
export async function runTask(job: ClaimedJob, options: RunJobOptions): Promise<JobOutcome> {
  const task = job.task!;
  const { api, log } = options;
  const directory = path.join(options.workDir, `${job.id}-${task.kind.toLowerCase()}-${task.index}`);
  const stop = new AbortController();
  let stopReason: 'canceled' | 'lost' | null = null;
  const signal = AbortSignal.any([stop.signal, options.shutdown]);
  const reporter = createProgressReporter(api, {
    heartbeatMs: Math.max(1_000, Math.floor(job.leaseMs / 3)),
    onStop: (reason) => {
      stopReason = reason;
      log('info', `task ${reason} by the API: stopping`);
      stop.abort();
    },
    onError: (error) => log('warn', 'progress report failed', { err: String(error) }),
  });
  const input = path.join(directory, 'source');
  // The source this task reads: the one kept on this worker from an earlier task of the job, or `input`.
  let sourceFile = input;
  let downloaded = false;
  const context: TaskContext = {
    job,
    task,
    api,
    options,
    directory,
    outputDir: path.join(directory, 'out'),
    probe: (task.plan.probe as { probe: ProbeResult }).probe,
    signal,
    reporter,
    async downloadSource() {
      const kept = await keptSource(options.workDir, job.id, job.source.sizeBytes);
      if (kept) {
        log('info', 'source ready', { kept: true, sizeBytes: job.source.sizeBytes });
        sourceFile = kept;
        return kept;
      }
      // Not this job's: its disk is needed now.
      await dropKeptSource(options.workDir);
      const room = await checkDiskRoom(job, { workDir: options.workDir, reserveBytes: options.diskReserveBytes ?? 0 });
      if (room.refusal) throw new JobFailure(INSUFFICIENT_DISK, room.refusal);
      const sizeBytes = job.source.sizeBytes ?? 0;
      await downloadToFile(job.source.url!, input, { signal, expectedBytes: sizeBytes || undefined, onBytes: (bytes) => reporter.update('DOWNLOADING', sizeBytes ? bytes / sizeBytes : 0) }).catch((error: unknown) => {
        if (signal.aborted) throw error;
        throw new JobFailure('SOURCE_UNAVAILABLE', `The source could not be downloaded: ${(error as Error).message}`, { cause: error });
      });
      downloaded = true;
      // bench:split times a task's download from 'running task' to this line.
      log('info', 'source ready', { kept: false, sizeBytes });
      return input;
    },
  };

  try {
    await rm(directory, { recursive: true, force: true });
    await mkdir(context.outputDir, { recursive: true });
    // The stitch reads no source, and no task of its job follows it (it is claimable once all are DONE).
    if (task.kind === 'STITCH') await dropKeptSource(options.workDir);
    log('info', 'running task', { kind: task.kind, index: task.index, parts: task.parts, start: task.startSeconds, end: task.endSeconds });
    const run = task.kind === 'VIDEO_PART' ? runVideoPart : task.kind === 'AUDIO' ? runAudioTask : runStitchTask;
    const answer = await run(context);
    reporter.stop();
    if (signal.aborted) return finishAborted();
    return answer === 'ok' ? 'completed' : answer;
  } catch (error) {
    reporter.stop();
    if (error instanceof LeaseEnded) return error.reason;
    if (signal.aborted) return finishAborted();
    // The stitch has no source file: its directory stands in, so a missing source is not read as lost files.
    const failure: FailRequest = await classifyFailure(error, directory, task.kind === 'STITCH' ? directory : sourceFile);
    log('warn', 'task failed', { kind: task.kind, index: task.index, code: failure.code, message: failure.message });
    return finalReport(() => api.fail(failure), (status) => (status === 'ok' ? 'failed' : status));
  } finally {
    reporter.stop();
    // A source downloaded whole is kept for the job's next task here (not on shutdown: the worker exits).
    if (downloaded && !options.shutdown.aborted) {
      await keepSource(options.workDir, job.id, input).catch((error: unknown) => log('warn', 'could not keep the source', { err: String(error) }));
    }
    await rm(directory, { recursive: true, force: true }).catch(() => {});
  }

  async function finalReport(send: () => Promise<ReportResponse>, map: (status: ReportResponse['status']) => JobOutcome): Promise<JobOutcome> {
    try {
      return map((await send()).status);
    } catch (error) {
      log('warn', 'the API did not take the report; the lease will have expired: giving the task up', { err: String(error) });
      return 'lost';
    }
  }

  async function finishAborted(): Promise<JobOutcome> {
    if (stopReason) return stopReason;
    await api.release('worker shutting down').catch((error: unknown) => log('warn', 'release failed; the lease will expire', { err: String(error) }));
    return 'released';
  }
}
