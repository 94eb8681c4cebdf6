import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from './errors.js';
import { jobPrefix } from './keys.js';
import { cancelJobRow } from './sql/cancel-job.js';
import { deleteJobRows, recordSweep } from './sql/delete-job.js';
import { workerUrlTtlSeconds } from './worker-protocol.js';

export interface DeleteJobServices {
  db: Database;
  store: ObjectStore;
  config: Pick<Config, 'leaseMs' | 'uploadUrlTtlSeconds'>;
  logger: Logger;
}

/** The id of a job that no longer exists. */
export interface DeletedJob {
  id: string;
}

/**
 * Deletes a job in any status: its rows (job, outputs, events, attempts, webhook deliveries) and its
 * files (source, every attempt's outputs, every part, open multipart uploads), all under `jobs/<id>/`.
 *
 * Order, and why: a running job is first canceled through the ordinary cancel path (its subscribers
 * see CANCELED, its worker stops ffmpeg at its next call); then the rows go, leaving a tombstone, in
 * one statement; then the files. Rows first, because the row is what every writer needs: with it
 * gone no URL can be minted for the job (upload, download, worker upload) and every worker call is
 * refused as lost (409), so from then on the set of files can only shrink. Files first would let a
 * worker completing at that moment upload after the sweep into a prefix no row names any more.
 * The one writer left is a presigned PUT minted before the delete and used after the sweep: the
 * tombstone's second, final sweep runs once every such URL has expired. If this process dies between
 * the rows and the files, the maintenance loop finds the unswept tombstone and finishes the delete.
 * `tenantId` null: the system (maintenance) deleting any tenant's job.
 */
export async function deleteJob(services: DeleteJobServices, tenantId: string | null, id: string): Promise<DeletedJob | NotFoundError> {
  const scope = tenantId === null ? {} : { tenantId };
  // A no-op for a job already finished, or not this tenant's.
  await cancelJobRow(services.db, { id, ...scope });
  const deleted = await deleteJobRows(services.db, { id, ...scope, recheckAfterSeconds: recheckAfterSeconds(services.config) });
  if (!deleted) return new NotFoundError('No job with this id');
  try {
    await sweepJobFiles(services, id, false);
  } catch (error) {
    // The rows are gone and the tombstone remains: the maintenance loop sweeps again.
    services.logger.warn({ err: error, jobId: id }, 'could not delete the files of a deleted job yet; the maintenance loop retries');
  }
  return { id };
}

/**
 * Deletes every file and aborts every multipart upload under the job's prefix, then records the
 * sweep on the tombstone (`final`: the tombstone goes). Uploads are aborted first: a part uploaded
 * after the abort is refused by the store, while a completed upload would be a new object.
 */
export async function sweepJobFiles(services: Pick<DeleteJobServices, 'db' | 'store'>, jobId: string, final: boolean): Promise<void> {
  const prefix = jobPrefix(jobId);
  for (const upload of await services.store.listMultipartUploads(prefix)) {
    await services.store.abortMultipartUpload(upload.key, upload.uploadId);
  }
  await services.store.deletePrefix(prefix);
  await recordSweep(services.db, jobId, final);
}

/** Until when a URL minted before the delete may still write: the longest upload URL lifetime, plus a margin. */
export function recheckAfterSeconds(config: Pick<Config, 'leaseMs' | 'uploadUrlTtlSeconds'>): number {
  return Math.max(config.uploadUrlTtlSeconds, workerUrlTtlSeconds(config.leaseMs)) + 60;
}
