import { randomUUID } from 'node:crypto';
import { eq, fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { Database } from '../../db/client.js';
import { mapRow } from '../../db/map-row.js';
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

const dialect = new PgDialect();

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
  const statement = insertStatement(queued, cap !== null);
  const values: Record<string, unknown> = {
    id: job.id ?? randomUUID(),
    tenantId: job.tenantId,
    status: job.status ?? 'AWAITING_UPLOAD',
    spec: JSON.stringify(job.spec),
    priority: job.priority ?? 0,
    webhookUrl: job.webhookUrl ?? null,
    idempotencyKey: job.idempotencyKey ?? null,
    idempotencyHash: job.idempotencyHash ?? null,
    sourceFilename: job.sourceFilename,
    sourceContentType: job.sourceContentType ?? null,
    sourceSizeBytes: job.sourceSizeBytes ?? null,
    sourceKey: job.sourceKey,
    sourceUrl: job.sourceUrl ?? null,
    sourceUploadId: job.sourceUploadId ?? null,
    sourcePartSizeBytes: job.sourcePartSizeBytes ?? null,
    uploadExpiresAt: job.uploadExpiresAt.toISOString(),
    metadata: job.metadata ? JSON.stringify(job.metadata) : null,
    expiresAt: job.expiresAt?.toISOString() ?? null,
    queuedAt: job.queuedAt?.toISOString() ?? null,
    outputs: JSON.stringify(outputs.map(({ position, name, contentType, key }) => ({ position, name, content_type: contentType, key }))),
    cap,
  };
  const rows = await runPrepared(db, statement, values);
  const row = rows[0]!;
  if (row.id === null || row.id === undefined) {
    return { inserted: null, refused: cap !== null && (row.pending_uploads as number) >= cap };
  }
  const insertedOutputs = (row.inserted_outputs as Array<Record<string, unknown>>).map((output) => mapRow(jobOutputsTable, output));
  return { inserted: { job: mapRow(jobsTable, row), outputs: insertedOutputs } };
}

interface Statement {
  text: string;
  params: unknown[];
}

const statements = new Map<string, Statement>();

/**
 * The statement's text is rendered once per variant (queued or not, capped or not) with named
 * placeholders, and only the values are filled in per call: rendering it (drizzle's sqlToQuery)
 * cost about as much CPU as everything else createJob does in Node.
 */
function insertStatement(queued: boolean, capped: boolean): Statement {
  const name = `${queued}:${capped}`;
  const cached = statements.get(name);
  if (cached) return cached;
  const value = (key: string) => sql.placeholder(key);
  const columns = sql`${value('id')}::uuid, ${value('tenantId')}::text, ${value('status')}::text, ${value('spec')}::jsonb,
    ${value('priority')}::int, ${value('webhookUrl')}::text, ${value('idempotencyKey')}::text, ${value('idempotencyHash')}::text,
    ${value('sourceFilename')}::text, ${value('sourceContentType')}::text, ${value('sourceSizeBytes')}::bigint, ${value('sourceKey')}::text,
    ${value('sourceUrl')}::text, ${value('sourceUploadId')}::text, ${value('sourcePartSizeBytes')}::bigint,
    ${value('uploadExpiresAt')}::timestamptz, ${value('metadata')}::jsonb, ${value('expiresAt')}::timestamptz, ${value('queuedAt')}::timestamptz`;
  const fairSeq: SQL = queued ? fairSeqExpression(sql`${value('tenantId')}::text`, sql`${value('priority')}::int`) : sql`null`;
  const pending: SQL = capped
    ? sql`select count(*)::int as n from (
        select 1 from jobs where tenant_id = ${value('tenantId')}::text and status = 'AWAITING_UPLOAD' limit ${value('cap')}::int) awaiting`
    : sql`select 0 as n`;
  const statement = sql`
    with pending as (${pending}),
    inserted as (
      insert into jobs (id, tenant_id, status, spec, priority, webhook_url, idempotency_key, idempotency_hash,
        source_filename, source_content_type, source_size_bytes, source_key, source_url, source_upload_id,
        source_part_size_bytes, upload_expires_at, metadata, expires_at, queued_at, fair_seq)
      select ${columns}, ${fairSeq}
      ${capped ? sql`where (select n from pending) < ${value('cap')}::int` : sql``}
      on conflict do nothing
      returning *
    ), outputs as (
      insert into job_outputs (job_id, position, name, content_type, key)
      select inserted.id, o."position", o.name, o.content_type, o.key
      from inserted, jsonb_to_recordset(${value('outputs')}::jsonb) as o("position" int, name text, content_type text, key text)
      returning *
    ), event as (
      insert into job_events (job_id, type, to_status) select id, 'created', status from inserted
    )
    select pending.n as pending_uploads, inserted.*,
      (select coalesce(json_agg(outputs order by outputs.position), '[]'::json) from outputs) as inserted_outputs
      ${queued ? sql`, case when inserted.id is not null then ${notifyExpression('inserted')} end` : sql``}
    from pending left join inserted on true`;
  const query = dialect.sqlToQuery(statement);
  const rendered = { text: query.sql, params: query.params };
  statements.set(name, rendered);
  return rendered;
}

/** The statement as a named prepared statement on the pool's connection (as db/prepared.ts runs them). */
async function runPrepared(db: Pick<Database, 'execute'>, statement: Statement, values: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  const client = (db as { $client?: postgres.Sql }).$client;
  const params = fillPlaceholders(statement.params, values);
  if (typeof client?.unsafe !== 'function') {
    // A transaction (no pool of its own): the same text, its $n bound to the values, run unprepared.
    const parts = statement.text.split(/\$(\d+)/);
    const bound = sql.join(parts.map((part, index) => (index % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)));
    return (await db.execute(bound)) as unknown as Array<Record<string, unknown>>;
  }
  return (await client.unsafe(statement.text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as Array<Record<string, unknown>>;
}

/** Frees an idempotency key whose 24 h window has passed, so the key can name a new job. */
export async function releaseIdempotencyKey(db: Pick<Database, 'update'>, jobId: string): Promise<void> {
  await db.update(jobsTable).set({ idempotencyKey: null }).where(eq(jobsTable.id, jobId));
}
