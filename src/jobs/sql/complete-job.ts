import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { LoudnessMeasurement } from '../../../protocol/job-spec.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobsTable, type Job } from '../../db/schema.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';
import { leaseGuard, runTransition } from './transition.js';

export interface CompletedOutput {
  name: string;
  /** Where this attempt uploaded it (under the attempt's own prefix); null when skipped. */
  key: string | null;
  sizeBytes: number | null;
  durationSeconds: number | null;
  skippedReason: string | null;
  /** What the worker measured on the file: picture size (video, image) and loudness. */
  width?: number | null;
  height?: number | null;
  loudness?: LoudnessMeasurement | null;
  /** A rendition the job did not list, produced in place of skipped ones of the same output. */
  substitute?: { outputIndex: number; contentType: string };
}

/**
 * RUNNING -> COMPLETED for the worker that holds the lease, and in the same statement the outputs
 * become this attempt's: their keys point under the attempt's prefix from now on. Until this commits,
 * no reader mints a URL for them, so what an earlier (stale) attempt uploaded is never served.
 *
 * One prepared statement (the transition, its event and NOTIFY, the outputs' rows as CTEs reading
 * the reported outputs from two JSON parameters), so one round trip and one commit: it was a
 * transaction of a statement per output, with the transition unprepared (planned on every call).
 * The output writes are `from changed`: they happen only when the lease still held.
 */
export async function completeJob(
  db: Pick<Database, 'execute' | 'select'>,
  lease: Lease,
  result: { outputs: CompletedOutput[]; notices: string[]; sourceDurationSeconds: number | null; specOutputNames: string[] },
  /** The guard in place of the job's own lease: a split job's stitch completes it under its task lease. */
  guard: SQL = leaseGuard(lease.leaseId),
): Promise<LeaseOutcome> {
  // One write per rendition name, the last report of a name winning (as writing them in turn did).
  const updates = new Map<string, OutputRow>();
  const substitutes: Array<OutputRow & { prefix: string; content_type: string }> = [];
  for (const output of result.outputs) {
    if (output.substitute) {
      // Placed where its output's first rendition stands, so outputs stay in request order.
      const prefix = result.specOutputNames[output.substitute.outputIndex] ?? output.name;
      substitutes.push({ ...outputRow(output), prefix, content_type: output.substitute.contentType });
    } else {
      updates.set(output.name, outputRow(output));
    }
  }
  const job = await runTransition(db, {
    id: lease.jobId,
    event: 'completed',
    to: 'COMPLETED',
    set: sql`progress_phase = 'DONE', progress_percent = 100, progress_eta_seconds = 0, progress_updated_at = now(),
      finished_at = now(), lease_expires_at = null, notices = ${JSON.stringify(result.notices)}::jsonb,
      error_code = null, error_message = null, error_detail = null,
      source_duration_seconds = coalesce(${result.sourceDurationSeconds}::double precision, jobs.source_duration_seconds)`,
    where: guard,
    also: sql`, reported_outputs as (
      update job_outputs set size_bytes = reported.size_bytes, duration_seconds = reported.duration_seconds,
        skipped_reason = reported.skipped_reason, width = reported.width, height = reported.height, loudness = reported.loudness,
        key = coalesce(reported.key, job_outputs.key)
      from changed, jsonb_to_recordset(${JSON.stringify([...updates.values()])}::jsonb) as reported(${OUTPUT_COLUMNS})
      where job_outputs.job_id = changed.id and job_outputs.name = reported.name
    ), substitute_outputs as (
      insert into job_outputs (job_id, position, name, content_type, key, size_bytes, duration_seconds, skipped_reason, width, height, loudness)
      select changed.id,
        coalesce((select min(sibling.position) from job_outputs sibling
          where sibling.job_id = changed.id and (sibling.name = reported.prefix or sibling.name like reported.prefix || '-%')), 1000) + 1,
        reported.name, reported.content_type, reported.key, reported.size_bytes, reported.duration_seconds, null, reported.width, reported.height, reported.loudness
      from changed, jsonb_to_recordset(${JSON.stringify(substitutes)}::jsonb) as reported(${OUTPUT_COLUMNS}, prefix text, content_type text)
    )`,
  });
  return job ? { kind: 'ok', job } : leaseProblem(db, lease);
}

/** The columns of a reported output in the statement's JSON (see {@link outputRow}). */
const OUTPUT_COLUMNS = sql.raw(
  'name text, key text, size_bytes bigint, duration_seconds double precision, skipped_reason text, width integer, height integer, loudness jsonb',
);

interface OutputRow {
  name: string;
  key: string | null;
  size_bytes: number | null;
  duration_seconds: number | null;
  skipped_reason: string | null;
  width: number | null;
  height: number | null;
  loudness: LoudnessMeasurement | null;
}

function outputRow(output: CompletedOutput): OutputRow {
  return {
    name: output.name,
    key: output.key,
    size_bytes: output.sizeBytes,
    duration_seconds: output.durationSeconds,
    skipped_reason: output.skippedReason,
    width: output.width ?? null,
    height: output.height ?? null,
    loudness: output.loudness ?? null,
  };
}

/** What a completion checks first: the job, still RUNNING under the lease, and its outputs' names. */
export type CompletionCheck = { kind: 'ok'; job: Job; outputNames: string[] } | { kind: 'canceled' } | { kind: 'lost' };

/**
 * The check a completion makes before it looks in the store (as `touchLease` does for every worker
 * call: the job is RUNNING under this lease, whose time is extended, so a slow store check does not
 * lose it), reading in the same round trip what the completion needs: the job and its outputs'
 * names. Its commit does not wait for the WAL flush: losing a lease extension in a database crash is
 * harmless (the completion that follows commits durably, and flushes it along).
 */
export async function checkCompletion(db: Pick<Database, 'execute' | 'select'>, lease: Lease & { leaseMs: number }): Promise<CompletionCheck> {
  const rows = await executePrepared(db, sql`
    with touched as (
      update jobs set lease_expires_at = greatest(jobs.lease_expires_at, now() + make_interval(secs => ${lease.leaseMs / 1000}))
      where jobs.id = ${lease.jobId} and jobs.lease_id = ${lease.leaseId} and jobs.status = 'RUNNING'
      returning jobs.*
    )
    select touched.*, array(select name from job_outputs where job_outputs.job_id = touched.id order by position) as output_names,
      set_config('synchronous_commit', 'off', true)
    from touched`);
  const row = rows[0];
  // leaseProblem answers only canceled or lost.
  if (!row) return (await leaseProblem(db, lease)) as Exclude<CompletionCheck, { kind: 'ok' }>;
  return { kind: 'ok', job: mapRow(jobsTable, row), outputNames: row.output_names as string[] };
}
