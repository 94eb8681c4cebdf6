/** Object keys: everything of a job lives under its own prefix, so one job can never name another's files. */
export function jobPrefix(jobId: string): string {
  return `jobs/${jobId}/`;
}

export function sourceKey(jobId: string, objectName: string): string {
  return `${jobPrefix(jobId)}source/${objectName}`;
}

export function outputKey(jobId: string, fileName: string): string {
  return `${jobPrefix(jobId)}outputs/${fileName}`;
}
