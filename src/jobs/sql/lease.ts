import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobsTable, type Job, type JobPhase } from '../../db/schema.js';

/** What a worker's call learns about its lease: still its own, or the job is no longer its to touch. */
export type LeaseOutcome = { kind: 'ok'; job: Job } | { kind: 'canceled' } | { kind: 'lost' };

export interface Lease {
  jobId: string;
  leaseId: string;
}

export interface ProgressReport {
  phase: JobPhase;
  percent: number;
  speed: number | null;
  etaSeconds: number | null;
  outTimeSeconds: number | null;
  sourceDurationSeconds: number | null;
}

const currentLease = (lease: Lease) => and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING'));

/**
 * Records progress and extends the lease (every report is the heartbeat): one UPDATE, no transaction
 * and no notification (progress is announced, coalesced, by the job listener after it commits).
 * Percent never decreases within an attempt.
 */
export async function recordProgress(db: Database, lease: Lease & { leaseMs: number }, report: ProgressReport): Promise<LeaseOutcome> {
  const [job] = await db
    .update(jobsTable)
    .set({
      progressPhase: report.phase,
      progressPercent: sql`greatest(coalesce(${jobsTable.progressPercent}, 0), ${report.percent})`,
      progressSpeed: report.speed,
      progressEtaSeconds: report.etaSeconds,
      progressOutTimeSeconds: report.outTimeSeconds,
      progressUpdatedAt: sql`now()`,
      sourceDurationSeconds: sql`coalesce(${report.sourceDurationSeconds}, ${jobsTable.sourceDurationSeconds})`,
      leaseExpiresAt: sql`now() + make_interval(secs => ${lease.leaseMs / 1000})`,
      version: sql`${jobsTable.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(currentLease(lease))
    .returning();
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}

/**
 * The check every other worker call (uploads, upload completion) makes before it does anything: the
 * job is RUNNING under this very lease. It doubles as a heartbeat (the lease is extended), so a
 * worker busy uploading keeps its job. Not a status change: no event, no notification.
 */
export async function touchLease(db: Database, lease: Lease & { leaseMs: number }): Promise<LeaseOutcome> {
  const [job] = await db
    .update(jobsTable)
    .set({ leaseExpiresAt: sql`greatest(${jobsTable.leaseExpiresAt}, now() + make_interval(secs => ${lease.leaseMs / 1000}))` })
    .where(currentLease(lease))
    .returning();
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}

/** Why a lease-guarded statement changed nothing: the job was canceled, or the lease is not current. */
export async function leaseProblem(db: Pick<Database, 'select'>, lease: Lease): Promise<LeaseOutcome> {
  const [current] = await db.select({ status: jobsTable.status, leaseId: jobsTable.leaseId }).from(jobsTable).where(eq(jobsTable.id, lease.jobId));
  return current?.status === 'CANCELED' ? { kind: 'canceled' } : { kind: 'lost' };
}
