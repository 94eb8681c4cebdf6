/**
 * Every code a job can fail with, and whether it is worth another attempt. One table, shared by the
 * API (which requeues a retryable failure while attempts remain) and the worker (which picks the
 * code). The rule: the environment's fault (files vanishing, a full disk, the API or the store out of
 * reach, the machine going away) is retried; only a verified defect of the input or of ffmpeg's output
 * fails a job for good. A code the table does not know is treated as permanent.
 *
 * To add a code: one line here, with `retryable` and what it means.
 */
export const FAILURE_CODES = {
  // The input's fault: another attempt would fail the same way.
  INPUT_UNREADABLE: { retryable: false, means: 'The source is not a media file ffprobe can read.' },
  INPUT_REJECTED: { retryable: false, means: 'The source is readable but refused (container, limits, missing stream).' },
  OUTPUT_INVALID: { retryable: false, means: 'ffmpeg finished but an output is missing, truncated or not what was asked for.' },
  FFMPEG_FAILED: { retryable: false, means: 'ffmpeg exited with an error on this input.' },
  NO_OUTPUTS: { retryable: false, means: 'Every requested output was skipped: nothing to publish.' },
  // The source URL's fault (refused address, 4xx, over MAX_UPLOAD_BYTES, or still failing after the
  // worker's own tries: see transcoder/src/fetch-source.ts). A requeue would fetch the same URL again.
  SOURCE_FETCH_FAILED: { retryable: false, means: 'The source URL could not be fetched (refused address, HTTP error, size limit, timeout).' },
  // The deployment's limit: every worker machine has the same disk (FLY_WORKER_ROOTFS_GB).
  INSUFFICIENT_DISK: { retryable: false, means: "The source and its planned outputs exceed a worker's free disk." },
  // The environment's fault: another attempt, on another machine, may succeed.
  STALLED: { retryable: true, means: 'ffmpeg stopped making progress and was killed (a starved or sick machine).' },
  SOURCE_UNAVAILABLE: { retryable: true, means: 'The source could not be downloaded from the store.' },
  UPLOAD_FAILED: { retryable: true, means: 'The outputs could not be uploaded to the store.' },
  WORKER_FILES_LOST: { retryable: true, means: "The worker's own working files vanished under it." },
  DISK_FULL: { retryable: true, means: "The worker's disk filled up." },
  WORKER_INTERRUPTED: { retryable: true, means: 'ffmpeg was killed by a signal (the machine stopping, the OOM killer).' },
  INTERNAL: { retryable: true, means: 'The worker hit an unexpected error.' },
  WORKER_LOST: { retryable: true, means: 'The worker stopped reporting (set by the API when attempts run out).' },
} as const satisfies Record<string, { retryable: boolean; means: string }>;

export type FailureCode = keyof typeof FAILURE_CODES;

/** True when a failure with this code should put the job back in the queue (attempts permitting). */
export function isRetryableFailure(code: string): boolean {
  return Object.hasOwn(FAILURE_CODES, code) && FAILURE_CODES[code as FailureCode].retryable;
}
