/**
 * The first steps of a job whose source is a URL no attempt has copied yet (phase FETCHING): fetch it
 * to the job's directory, checked against the worker's disk as it comes, then copy it into the store
 * so that a retry downloads the copy and never fetches again. The job then goes on from the local file.
 */
import type { ClaimedJob } from '../../protocol/worker-api.js';
import type { JobApi } from './api-client.js';
import { diskRoomFor, freeDiskBytes } from './disk-room.js';
import { describeUrl, fetchSource } from './fetch-source.js';
import type { Log } from './log.js';
import type { ProgressReporter } from './progress-reporter.js';
import { copySourceToStore, CopyLeaseEnded } from './source-copy.js';

/** Share of the FETCHING band for the fetch itself; the rest is the copy into the store. */
const FETCH_SHARE = 0.8;

/** The copy into the store failed: the environment's fault, retried (the next attempt fetches again). */
class SourceCopyFailed extends Error {
  readonly code = 'UPLOAD_FAILED';
}

export interface IngestOptions {
  api: JobApi;
  workDir: string;
  diskReserveBytes?: number;
  log: Log;
  signal: AbortSignal;
  reporter: ProgressReporter;
  publicAddresses?: readonly string[];
}

export async function fetchAndCopySource(job: ClaimedJob, file: string, options: IngestOptions): Promise<void> {
  const { log, reporter, signal } = options;
  const source = job.source.fetch!;
  const freeBytes = await freeDiskBytes({ workDir: options.workDir, reserveBytes: options.diskReserveBytes ?? 0 });
  reporter.update('FETCHING', 0);
  log('info', 'fetching the source', { url: describeUrl(source.url), freeBytes });
  const fetched = await fetchSource({
    fetch: source,
    file,
    signal,
    roomFor: (bytes) => diskRoomFor(job, bytes, freeBytes).refusal,
    onBytes: (bytes, totalBytes) => {
      if (totalBytes) reporter.update('FETCHING', (FETCH_SHARE * bytes) / totalBytes);
    },
    onRetry: (error, delayMs) => log('warn', 'fetching the source failed; trying again', { message: error.message, delayMs }),
    publicAddresses: options.publicAddresses,
  });
  reporter.update('FETCHING', FETCH_SHARE);
  log('info', 'fetched the source; copying it into the store', { sizeBytes: fetched.sizeBytes });
  const copy = { sizeBytes: fetched.sizeBytes, contentType: job.source.contentType ?? 'application/octet-stream' };
  await copySourceToStore(options.api, file, copy, signal, (fraction) => reporter.update('FETCHING', FETCH_SHARE + (1 - FETCH_SHARE) * fraction)).catch(
    (error: unknown) => {
      if (signal.aborted || error instanceof CopyLeaseEnded) throw error;
      throw new SourceCopyFailed(`The fetched source could not be copied into the store: ${(error as Error).message}`, { cause: error });
    },
  );
}
