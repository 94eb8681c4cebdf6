import type { Database } from '../db/client.js';
import { knownJobIds } from '../jobs/sql/delete-job.js';
import type { ObjectStore } from '../storage/object-store.js';

const JOB_KEY = /^jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

/**
 * Aborts multipart uploads that no job owns any more: begun more than `olderThanSeconds` ago under
 * `jobs/<id>/` where neither the job nor its tombstone exists (a delete that happened before the
 * upload began, or a job lost some other way). Younger uploads are left alone: one may belong to a job
 * whose row is being created at this moment. Returns how many were aborted.
 */
export async function abortOrphanedUploads(deps: { db: Database; store: ObjectStore }, options: { olderThanSeconds: number }): Promise<number> {
  const cutoff = Date.now() - options.olderThanSeconds * 1000;
  const old = (await deps.store.listMultipartUploads('jobs/')).filter((upload) => upload.initiated !== null && upload.initiated.getTime() <= cutoff);
  const owners = new Map(old.map((upload) => [upload, JOB_KEY.exec(upload.key)?.[1] ?? null]));
  const known = await knownJobIds(deps.db, [...new Set([...owners.values()].filter((id): id is string => id !== null))]);
  let aborted = 0;
  for (const [upload, jobId] of owners) {
    if (jobId !== null && known.has(jobId)) continue;
    await deps.store.abortMultipartUpload(upload.key, upload.uploadId);
    aborted += 1;
  }
  return aborted;
}
