import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobsTable } from '../../db/schema.js';

/** How many of a tenant's jobs are AWAITING_UPLOAD, counted up to `limit` only (an index range, not a scan). */
export async function countAwaitingUpload(db: Database, tenantId: string, limit: number): Promise<number> {
  const rows = await db
    .select({ id: jobsTable.id })
    .from(jobsTable)
    .where(and(eq(jobsTable.tenantId, tenantId), eq(jobsTable.status, 'AWAITING_UPLOAD')))
    .limit(limit);
  return rows.length;
}
