import type { ClaimedJob, ClaimedTask, ReportResponse } from '../../../protocol/worker-api.js';
import type { JobApi } from '../api-client.js';
import type { ProbeResult } from '../media/index.js';
import type { ProgressReporter } from '../progress-reporter.js';
import { JobFailure, type RunJobOptions } from '../run-job.js';
import { LeaseEnded, uploadFiles } from '../upload-files.js';

/** What one task's code gets: its claim, API, directories, progress and stop signal. */
export interface TaskContext {
  job: ClaimedJob;
  task: ClaimedTask;
  api: JobApi;
  options: RunJobOptions;
  /** This task's scratch directory (removed afterwards). */
  directory: string;
  /** Where its files to upload are written (relative paths = upload paths). */
  outputDir: string;
  /** The planner's probe of the source. */
  probe: ProbeResult;
  signal: AbortSignal;
  reporter: ProgressReporter;
  /** Downloads the job's source (from the store) to `<directory>/source`, checked for room first. */
  downloadSource(): Promise<string>;
}

/** Sends a task's final report; an API out of reach past the lease means the task is no longer ours. */
export async function sendFinal(context: TaskContext, send: () => Promise<ReportResponse>): Promise<ReportResponse['status']> {
  try {
    return (await send()).status;
  } catch (error) {
    context.options.log('warn', 'the API did not take the report; giving the task up', { err: String(error) });
    return 'lost';
  }
}

/** Uploads a task's files; a failure that is not the lease ending is UPLOAD_FAILED. */
export async function upload(context: TaskContext, files: Parameters<typeof uploadFiles>[2]): Promise<void> {
  context.reporter.update('UPLOADING', 0, { etaSeconds: null });
  await uploadFiles(context.api, context.outputDir, files, context.signal, (fraction) => context.reporter.update('UPLOADING', fraction)).catch((error: unknown) => {
    if (context.signal.aborted || error instanceof LeaseEnded) throw error;
    throw new JobFailure('UPLOAD_FAILED', `The task's files could not be uploaded: ${(error as Error).message}`, { cause: error });
  });
}
