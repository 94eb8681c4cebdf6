/** The work side of a scheduling decision, read from the jobs table. */
import { and, eq, isNotNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobsTable } from '../../db/schema.js';

export interface Demand {
  /** QUEUED jobs a worker could claim now (their retry backoff has passed), counted up to the cap. */
  claimableJobs: number;
  /** Machines that a RUNNING job names: they are working, not idle capacity. */
  busyMachineIds: Set<string>;
}

/**
 * Both halves use the partial indexes on QUEUED and RUNNING jobs. The count stops at `cap`: past
 * what the pool could take on there is nothing to decide, and a deep backlog must not make every
 * scheduling pass slower.
 */
export async function readDemand(db: Database, options: { cap: number }): Promise<Demand> {
  const claimable = db
    .select({ one: sql`1` })
    .from(jobsTable)
    .where(and(eq(jobsTable.status, 'QUEUED'), lte(jobsTable.runAfter, sql`now()`)))
    .limit(Math.max(1, options.cap))
    .as('claimable');
  const [counted, busy] = await Promise.all([
    db.select({ count: sql<number>`count(*)::int` }).from(claimable),
    db
      .selectDistinct({ machineId: jobsTable.machineId })
      .from(jobsTable)
      .where(and(eq(jobsTable.status, 'RUNNING'), isNotNull(jobsTable.machineId))),
  ]);
  return {
    claimableJobs: counted[0]?.count ?? 0,
    busyMachineIds: new Set(busy.map((row) => row.machineId).filter((id): id is string => id !== null)),
  };
}
