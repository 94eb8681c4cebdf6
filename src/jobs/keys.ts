/** Object keys: everything of a job lives under its own prefix, so one job can never name another's files. */
export function jobPrefix(jobId: string): string {
  return `jobs/${jobId}/`;
}

export function sourceKey(jobId: string, objectName: string): string {
  return `${jobPrefix(jobId)}source/${objectName}`;
}

/** A rendition's key until an attempt completes it; nothing is ever written there (see attemptOutputKey). */
export function outputKey(jobId: string, fileName: string): string {
  return `${jobPrefix(jobId)}outputs/${fileName}`;
}

/**
 * Where one attempt (one lease) uploads its outputs. Each claim gets a fresh lease id, so attempts
 * never share a key: a stale worker can only ever write under its own, which no reader looks at once
 * another attempt completed (completion points the job's outputs at the winning attempt's keys).
 */
export function attemptPrefix(jobId: string, leaseId: string): string {
  return `${jobPrefix(jobId)}attempts/${leaseId}/`;
}

export function attemptOutputKey(jobId: string, leaseId: string, fileName: string): string {
  return `${attemptPrefix(jobId, leaseId)}${fileName}`;
}

/**
 * Where one attempt copies a URL source: beside the upload's key, under the lease's own folder, so a
 * worker whose lease was taken back can never overwrite the copy another attempt recorded.
 */
export function sourceCopyKey(jobId: string, leaseId: string, objectName: string): string {
  return `${jobPrefix(jobId)}source/${leaseId}/${objectName}`;
}
