import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
import { executePrepared } from '../../db/prepared.js';
import { jobOutputsTable, jobsTable, type Job } from '../../db/schema.js';
import { fairSeqExpression } from './fair-seq.js';
import { notifyExpression } from './notify.js';
import type { JobRecord } from './read-jobs.js';

/** The columns createJob sets; every other column takes its default. */
export interface NewJob {
  /** Made here when omitted. */
  id?: string;
  tenantId: string;
  /** AWAITING_UPLOAD (the default), or QUEUED for a URL source, which then takes its fair place at once. */
  status?: 'AWAITING_UPLOAD' | 'QUEUED';
  spec: Job['spec'];
  priority?: number;
  webhookUrl?: string | null;
  idempotencyKey?: string | null;
  idempotencyHash?: string | null;
  sourceFilename: string;
  sourceContentType?: string | null;
  sourceSizeBytes?: number | null;
  sourceKey: string;
  sourceUrl?: string | null;
  sourceUploadId?: string | null;
  sourcePartSizeBytes?: number | null;
  uploadExpiresAt: Date;
  queuedAt?: Date | null;
  metadata?: Record<string, string> | null;
  expiresAt?: Date | null;
}

export interface NewJobOutput {
  position: number;
  name: string;
  contentType: string;
  key: string;
}

export type InsertJobResult =
  | { inserted: JobRecord }
  /** The idempotency key (or the id) is already taken: nothing was inserted. */
  | { inserted: null; refused: false }
  /** The tenant already has `maxPendingUploads` jobs AWAITING_UPLOAD: nothing was inserted. */
  | { inserted: null; refused: true };

/** Inserts a job with its outputs and event (see {@link insertJobWithinCap}), with no cap; null when the id or idempotency key is taken. */
export async function insertJob(db: Pick<Database, 'execute'>, job: NewJob, outputs: NewJobOutput[]): Promise<JobRecord | null> {
  return (await insertJobWithinCap(db, job, outputs, null)).inserted;
}

/**
 * Inserts a job, its outputs and its "created" event as ONE statement (CTEs, no BEGIN/COMMIT pair),
 * prepared once per connection: one round trip where drizzle's builder made five, and no per-call
 * query building over the jobs table's forty columns (issue 19: the insert was most of createJob's
 * CPU). A job awaiting its upload is inserted only while the tenant has fewer than
 * `maxPendingUploads` such jobs (MAX_PENDING_UPLOADS, counted up to the cap only, in the same
 * statement; null: no cap). A job inserted QUEUED (a URL source) takes its fair place and is
 * announced in the same statement, so a waiting worker's long poll claims it at once.
 */
export async function insertJobWithinCap(
  db: Pick<Database, 'execute'>,
  job: NewJob,
  outputs: NewJobOutput[],
  maxPendingUploads: number | null,
): Promise<InsertJobResult> {
  const queued = job.status === 'QUEUED';
  const cap = queued ? null : maxPendingUploads;
  const values = sql`${job.id ?? randomUUID()}::uuid, ${job.tenantId}, ${job.status ?? 'AWAITING_UPLOAD'}, ${JSON.stringify(job.spec)}::jsonb,
    ${job.priority ?? 0}::int, ${job.webhookUrl ?? null}::text, ${job.idempotencyKey ?? null}::text, ${job.idempotencyHash ?? null}::text,
    ${job.sourceFilename}, ${job.sourceContentType ?? null}::text, ${job.sourceSizeBytes ?? null}::bigint, ${job.sourceKey},
    ${job.sourceUrl ?? null}::text, ${job.sourceUploadId ?? null}::text, ${job.sourcePartSizeBytes ?? null}::bigint,
    ${job.uploadExpiresAt.toISOString()}::timestamptz, ${job.metadata ? JSON.stringify(job.metadata) : null}::jsonb,
    ${job.expiresAt?.toISOString() ?? null}::timestamptz, ${job.queuedAt?.toISOString() ?? null}::timestamptz`;
  // Two fixed texts (queued or not, capped or not), so each stays prepared.
  const fairSeq: SQL = queued ? fairSeqExpression(sql`${job.tenantId}`, sql`${job.priority ?? 0}::int`) : sql`null`;
  const pending: SQL =
    cap === null
      ? sql`select 0 as n`
      : sql`select count(*)::int as n from (
          select 1 from jobs where tenant_id = ${job.tenantId} and status = 'AWAITING_UPLOAD' limit ${cap}::int) awaiting`;
  const rows = await executePrepared(db, sql`
    with pending as (${pending}),
    inserted as (
      insert into jobs (id, tenant_id, status, spec, priority, webhook_url, idempotency_key, idempotency_hash,
        source_filename, source_content_type, source_size_bytes, source_key, source_url, source_upload_id,
        source_part_size_bytes, upload_expires_at, metadata, expires_at, queued_at, fair_seq)
      select ${values}, ${fairSeq}
      ${cap === null ? sql`` : sql`where (select n from pending) < ${cap}::int`}
      on conflict do nothing
      returning *
    ), outputs as (
      insert into job_outputs (job_id, position, name, content_type, key)
      select inserted.id, o."position", o.name, o.content_type, o.key
      from inserted, jsonb_to_recordset(${JSON.stringify(outputs.map(({ position, name, contentType, key }) => ({ position, name, content_type: contentType, key })))}::jsonb)
        as o("position" int, name text, content_type text, key text)
      returning *
    ), event as (
      insert into job_events (job_id, type, to_status) select id, 'created', status from inserted
    )
    select pending.n as pending_uploads, inserted.*,
      (select coalesce(json_agg(outputs order by outputs.position), '[]'::json) from outputs) as inserted_outputs
      ${queued ? sql`, case when inserted.id is not null then ${notifyExpression('inserted')} end` : sql``}
    from pending left join inserted on true`);
  const row = rows[0]!;
  if (row.id === null || row.id === undefined) {
    return { inserted: null, refused: cap !== null && (row.pending_uploads as number) >= cap };
  }
  const insertedOutputs = (row.inserted_outputs as Array<Record<string, unknown>>).map((output) => mapRow(jobOutputsTable, output));
  return { inserted: { job: mapRow(jobsTable, row), outputs: insertedOutputs } };
}

/** Frees an idempotency key whose 24 h window has passed, so the key can name a new job. */
export async function releaseIdempotencyKey(db: Pick<Database, 'update'>, jobId: string): Promise<void> {
  await db.update(jobsTable).set({ idempotencyKey: null }).where(eq(jobsTable.id, jobId));
}
