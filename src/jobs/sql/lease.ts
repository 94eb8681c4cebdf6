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
 *
 * Workers report every half second, so this is ffly's most frequent statement. It is prepared once per
 * database handle (building a drizzle UPDATE cost more CPU than PostgreSQL spent running it), and its
 * commit does not wait for the WAL flush (`synchronous_commit` off for this transaction only): a report
 * lost to a PostgreSQL crash is replaced by the next one half a second later, while waiting for the
 * flush made every report pay a disk sync on a busy disk. Status changes keep durable commits.
 */
export async function recordProgress(db: Database, lease: Lease & { leaseMs: number }, report: ProgressReport): Promise<LeaseOutcome> {
  const [job] = await progressStatement(db).execute({
    jobId: lease.jobId,
    leaseId: lease.leaseId,
    phase: report.phase,
    percent: report.percent,
    speed: report.speed,
    etaSeconds: report.etaSeconds,
    outTimeSeconds: report.outTimeSeconds,
    sourceDurationSeconds: report.sourceDurationSeconds,
    leaseSeconds: lease.leaseMs / 1000,
  });
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}

const progressStatements = new WeakMap<Database, ReturnType<typeof prepareProgress>>();

function progressStatement(db: Database) {
  let statement = progressStatements.get(db);
  if (!statement) progressStatements.set(db, (statement = prepareProgress(db)));
  return statement;
}

function prepareProgress(db: Database) {
  const value = (name: string) => sql.placeholder(name);
  return db
    .update(jobsTable)
    .set({
      progressPhase: sql`${value('phase')}::text`,
      progressPercent: sql`greatest(coalesce(${jobsTable.progressPercent}, 0), ${value('percent')}::double precision)`,
      progressSpeed: sql`${value('speed')}::double precision`,
      progressEtaSeconds: sql`${value('etaSeconds')}::double precision`,
      progressOutTimeSeconds: sql`${value('outTimeSeconds')}::double precision`,
      progressUpdatedAt: sql`now()`,
      sourceDurationSeconds: sql`coalesce(${value('sourceDurationSeconds')}::double precision, ${jobsTable.sourceDurationSeconds})`,
      leaseExpiresAt: sql`now() + make_interval(secs => ${value('leaseSeconds')}::double precision)`,
      version: sql`${jobsTable.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        sql`${jobsTable.id} = ${value('jobId')}::uuid`,
        sql`${jobsTable.leaseId} = ${value('leaseId')}::uuid`,
        eq(jobsTable.status, 'RUNNING'),
        // Evaluated before the commit it applies to, and local to this statement's transaction.
        sql`set_config('synchronous_commit', 'off', true) is not null`,
      ),
    )
    .returning()
    .prepare('ffly_record_progress');
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
