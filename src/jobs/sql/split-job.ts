import { sql } from 'drizzle-orm';
import type { SplitRequest } from '../../../protocol/worker-api.js';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { jobTasksTable, jobsTable } from '../../db/schema.js';
import type { PlannedTask } from '../split-plan.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';
import { notifyExpression } from './notify.js';

/**
 * The planner's split, in one transaction: the job (RUNNING under this very lease) gives up its own
 * lease (it stays RUNNING; the planner's job_attempts row is closed by the attempts trigger) and takes
 * its parallelism, and its tasks are created, claimable at once (the stitch WAITING). The job row is
 * locked first, then the new task rows: the order every statement that touches both keeps.
 */
export async function splitJob(db: Database, lease: Lease, request: SplitRequest, tasks: PlannedTask[]): Promise<LeaseOutcome> {
  return db.transaction(async (tx) => {
    const parts = tasks.filter((task) => task.kind === 'VIDEO_PART').length;
    const rows = await tx.execute(sql`
      with changed as (
        update jobs set
          lease_id = null, lease_expires_at = null, parallelism = ${parts},
          source_duration_seconds = ${request.sourceDurationSeconds}::double precision,
          progress_phase = 'TRANSCODING', progress_percent = 0, progress_speed = null, progress_eta_seconds = null,
          progress_updated_at = now(), version = jobs.version + 1, updated_at = now()
        where id = ${lease.jobId} and status = 'RUNNING' and lease_id = ${lease.leaseId}
        returning jobs.*
      ), event as (
        insert into job_events (job_id, type, from_status, to_status, attempt, machine_id, detail)
        select id, 'split', 'RUNNING', 'RUNNING', attempts, machine_id, ${JSON.stringify({ parts, cuts: request.cuts })}::jsonb from changed
      )
      select changed.*, ${notifyExpression('changed')} from changed`);
    const row = (rows as unknown as Array<Record<string, unknown>>)[0];
    if (!row) return leaseProblem(tx, lease);
    await tx.insert(jobTasksTable).values(
      tasks.map((task) => ({
        jobId: lease.jobId,
        kind: task.kind,
        index: task.index,
        position: task.position,
        status: task.status,
        startSeconds: task.startSeconds,
        endSeconds: task.endSeconds,
        weight: task.weight,
        plan: request as unknown as Record<string, unknown>,
      })),
    );
    return { kind: 'ok', job: mapRow(jobsTable, row) };
  });
}
