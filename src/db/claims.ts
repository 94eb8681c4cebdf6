import { and, eq, lte, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { notifyJobChanged } from './jobs.js';
import { JOB_CHANNEL, JOB_ROUTING_KEY } from './job-notifications.js';
import { mapRow } from './map-row.js';
import { jobEventsTable, jobOutputsTable, jobsTable, type Job, type JobPhase } from './schema.js';

/**
 * The worker-facing state changes. Each is one guarded UPDATE (status and, for reports, the lease the
 * worker holds), its event and its notification, in one transaction.
 */

/**
 * Claims the next runnable job (priority, then age), skipping rows other claimers hold. One statement
 * (select, update, event insert and NOTIFY as CTEs) so a claim is one round trip, and its ORDER BY
 * matches jobs_claim_idx exactly (`priority DESC NULLS LAST`), so the queue is never sorted.
 * The commit is asynchronous (`synchronous_commit` off for this transaction only): if PostgreSQL
 * crashed before flushing it, the job would simply still be QUEUED, and the worker's first report
 * would be refused as "lost" — safe, and it saves a disk flush on the hot path.
 */
export async function claimNextJob(db: Database, options: { machineId: string | null; leaseMs: number }): Promise<Job | null> {
  const rows = await db.execute(sql`
    with next as (
      select id from jobs
      where status = 'QUEUED' and run_after <= now()
      order by priority desc nulls last, created_at, id
      limit 1
      for update skip locked
    ), claimed as (
      update jobs set
        status = 'RUNNING',
        attempts = jobs.attempts + 1,
        lease_id = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}),
        machine_id = ${options.machineId},
        started_at = coalesce(jobs.started_at, now()),
        progress_phase = 'DOWNLOADING',
        progress_percent = 0,
        progress_speed = null,
        progress_eta_seconds = null,
        progress_out_time_seconds = null,
        progress_updated_at = now(),
        version = jobs.version + 1,
        updated_at = now()
      from next
      where jobs.id = next.id
      returning jobs.*
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id)
      select id, 'claimed', 'QUEUED', 'RUNNING', attempts, ${options.machineId} from claimed
    )
    -- The payload notifyJobChanged() sends for one status change (see notification-batch.ts).
    select claimed.*,
      pg_notify(${JOB_CHANNEL}, json_build_object('events', json_build_array(json_build_array(
        ${`${JOB_ROUTING_KEY}:`} || id, json_build_object('id', id, 'version', version, 'status', status))))::text),
      set_config('synchronous_commit', 'off', true)
    from claimed`);
  const row = (rows as unknown as Array<Record<string, unknown>>)[0];
  return row ? mapRow(jobsTable, row) : null;
}

export interface ProgressReport {
  phase: JobPhase;
  percent: number;
  speed: number | null;
  etaSeconds: number | null;
  outTimeSeconds: number | null;
  sourceDurationSeconds: number | null;
}

export type LeaseOutcome = { kind: 'ok'; job: Job } | { kind: 'canceled' } | { kind: 'lost' };

/**
 * Records progress and extends the lease (every report is the heartbeat): one UPDATE, no transaction
 * and no notification (progress is announced, coalesced, by the job listener after it commits).
 * Percent never decreases within an attempt. A worker whose lease was taken back learns it is
 * "lost"; a canceled job, "canceled".
 */
export async function recordProgress(
  db: Database,
  lease: { jobId: string; leaseId: string; leaseMs: number },
  report: ProgressReport,
): Promise<LeaseOutcome> {
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
    .where(and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING')))
    .returning();
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}

async function leaseProblem(db: Pick<Database, 'select'>, lease: { jobId: string; leaseId: string }): Promise<LeaseOutcome> {
  const [current] = await db
    .select({ status: jobsTable.status, leaseId: jobsTable.leaseId })
    .from(jobsTable)
    .where(eq(jobsTable.id, lease.jobId));
  return current?.status === 'CANCELED' ? { kind: 'canceled' } : { kind: 'lost' };
}

export interface CompletedOutput {
  name: string;
  sizeBytes: number | null;
  durationSeconds: number | null;
  skippedReason: string | null;
  /** A rendition the job did not list, produced in place of skipped ones of the same output. */
  substitute?: { outputIndex: number; key: string; contentType: string };
}

/** RUNNING -> COMPLETED for the worker that holds the lease; fills in the renditions. */
export async function completeJob(
  db: Database,
  lease: { jobId: string; leaseId: string },
  result: { outputs: CompletedOutput[]; notices: string[]; sourceDurationSeconds: number | null },
): Promise<LeaseOutcome> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobsTable)
      .set({
        status: 'COMPLETED',
        progressPhase: 'DONE',
        progressPercent: 100,
        progressEtaSeconds: 0,
        progressUpdatedAt: sql`now()`,
        finishedAt: sql`now()`,
        leaseExpiresAt: null,
        notices: result.notices,
        sourceDurationSeconds: sql`coalesce(${result.sourceDurationSeconds}, ${jobsTable.sourceDurationSeconds})`,
        version: sql`${jobsTable.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING')))
      .returning();
    if (!job) return leaseProblem(tx, lease);
    const spec = job.spec.outputs;
    for (const output of result.outputs) {
      if (output.substitute) {
        // Placed where its output's first rendition stands, so outputs stay in request order.
        const prefix = spec[output.substitute.outputIndex]?.name ?? output.name;
        const [sibling] = await tx
          .select({ position: sql<number>`min(${jobOutputsTable.position})` })
          .from(jobOutputsTable)
          .where(and(eq(jobOutputsTable.jobId, job.id), sql`(${jobOutputsTable.name} = ${prefix} or ${jobOutputsTable.name} like ${`${prefix}-%`})`));
        await tx.insert(jobOutputsTable).values({
          jobId: job.id,
          position: (sibling?.position ?? 1000) + 1,
          name: output.name,
          contentType: output.substitute.contentType,
          key: output.substitute.key,
          sizeBytes: output.sizeBytes,
          durationSeconds: output.durationSeconds,
        });
        continue;
      }
      await tx
        .update(jobOutputsTable)
        .set({ sizeBytes: output.sizeBytes, durationSeconds: output.durationSeconds, skippedReason: output.skippedReason })
        .where(and(eq(jobOutputsTable.jobId, job.id), eq(jobOutputsTable.name, output.name)));
    }
    await tx.insert(jobEventsTable).values({ jobId: job.id, type: 'completed', fromStatus: 'RUNNING', toStatus: 'COMPLETED', attempt: job.attempts, machineId: job.machineId });
    await notifyJobChanged(tx, job);
    return { kind: 'ok', job };
  });
}

/** RUNNING -> FAILED with the worker's code, message and (redacted) ffmpeg stderr tail. */
export async function failJob(
  db: Database,
  lease: { jobId: string; leaseId: string },
  failure: { code: string; message: string; detail: string | null },
): Promise<LeaseOutcome> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobsTable)
      .set({
        status: 'FAILED',
        errorCode: failure.code,
        errorMessage: failure.message,
        errorDetail: failure.detail,
        finishedAt: sql`now()`,
        leaseExpiresAt: null,
        version: sql`${jobsTable.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING')))
      .returning();
    if (!job) return leaseProblem(tx, lease);
    await tx.insert(jobEventsTable).values({
      jobId: job.id,
      type: 'failed',
      fromStatus: 'RUNNING',
      toStatus: 'FAILED',
      attempt: job.attempts,
      machineId: job.machineId,
      detail: { code: failure.code, message: failure.message },
    });
    await notifyJobChanged(tx, job);
    return { kind: 'ok', job };
  });
}

/** A worker shutting down hands its job back: QUEUED again, and the attempt does not count. */
export async function releaseJob(db: Database, lease: { jobId: string; leaseId: string }, reason: string): Promise<LeaseOutcome> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobsTable)
      .set({
        status: 'QUEUED',
        attempts: sql`greatest(${jobsTable.attempts} - 1, 0)`,
        leaseId: null,
        leaseExpiresAt: null,
        runAfter: sql`now()`,
        progressPhase: null,
        progressPercent: null,
        version: sql`${jobsTable.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobsTable.id, lease.jobId), eq(jobsTable.leaseId, lease.leaseId), eq(jobsTable.status, 'RUNNING')))
      .returning();
    if (!job) return leaseProblem(tx, lease);
    await tx.insert(jobEventsTable).values({ jobId: job.id, type: 'released', fromStatus: 'RUNNING', toStatus: 'QUEUED', attempt: job.attempts, machineId: job.machineId, detail: { reason } });
    await notifyJobChanged(tx, job);
    return { kind: 'ok', job };
  });
}

/**
 * Takes back RUNNING jobs whose lease expired (no heartbeat for LEASE_MS): QUEUED again with a
 * backoff, or FAILED with WORKER_LOST once the attempts are spent. Safe to run on every instance at
 * once (SKIP LOCKED). Returns the jobs it changed, with the machine each was lost on.
 */
export async function reapExpiredLeases(
  db: Database,
  options: { maxAttempts: number; retryBaseMs: number; limit?: number },
): Promise<Array<{ job: Job; lostMachineId: string | null }>> {
  return db.transaction(async (tx) => {
    const expired = await tx
      .select({ id: jobsTable.id, machineId: jobsTable.machineId })
      .from(jobsTable)
      .where(and(eq(jobsTable.status, 'RUNNING'), lte(jobsTable.leaseExpiresAt, sql`now()`)))
      .limit(options.limit ?? 100)
      .for('update', { skipLocked: true });
    const results: Array<{ job: Job; lostMachineId: string | null }> = [];
    for (const { id, machineId } of expired) {
      const exhausted = sql`${jobsTable.attempts} >= ${options.maxAttempts}`;
      // Exponential backoff with jitter: base * 2^(attempts-1) * [0.5, 1.5), capped at 5 minutes.
      const backoff = sql`least(300000, ${options.retryBaseMs} * power(2, greatest(${jobsTable.attempts} - 1, 0)) * (0.5 + random()))`;
      const [job] = await tx
        .update(jobsTable)
        .set({
          status: sql`case when ${exhausted} then 'FAILED' else 'QUEUED' end`,
          errorCode: sql`case when ${exhausted} then 'WORKER_LOST' else ${jobsTable.errorCode} end`,
          errorMessage: sql`case when ${exhausted} then ${`The worker stopped reporting ${options.maxAttempts} times; giving up`} else ${jobsTable.errorMessage} end`,
          finishedAt: sql`case when ${exhausted} then now() else null end`,
          runAfter: sql`now() + make_interval(secs => ${backoff} / 1000.0)`,
          leaseId: null,
          leaseExpiresAt: null,
          progressPhase: null,
          progressPercent: null,
          version: sql`${jobsTable.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(jobsTable.id, id))
        .returning();
      if (!job) continue;
      await tx.insert(jobEventsTable).values({
        jobId: id,
        type: 'lease_expired',
        fromStatus: 'RUNNING',
        toStatus: job.status,
        attempt: job.attempts,
        machineId,
      });
      await notifyJobChanged(tx, job);
      results.push({ job, lostMachineId: machineId });
    }
    return results;
  });
}
