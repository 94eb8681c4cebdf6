import type { Database } from '../db/client.js';
import { ValidationError } from './errors.js';
import { countAwaitingUpload } from './sql/count-awaiting-upload.js';

/**
 * The per-tenant cap on jobs AWAITING_UPLOAD (`MAX_PENDING_UPLOADS`): each one holds a presigned URL
 * and a row, so one tenant cannot pile up thousands. Counted up to the cap only; concurrent creates
 * may pass it by the number racing, which the cap's purpose tolerates.
 */
export async function pendingUploadsRefusal(db: Database, tenantId: string, max: number): Promise<ValidationError | null> {
  if ((await countAwaitingUpload(db, tenantId, max)) < max) return null;
  return pendingUploadsError(max);
}

/** The refusal itself, also when the insert found the cap reached (src/jobs/sql/insert-job.ts). */
export function pendingUploadsError(max: number): ValidationError {
  return new ValidationError(
    `Too many jobs awaiting their upload (${max}): upload and start, or cancel, some of them before creating more`,
    'input.source',
  );
}
