import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { JobSpec, LoudnessMeasurement } from '../../protocol/job-spec.js';

export const JOB_STATUSES = ['AWAITING_UPLOAD', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELED'] as const satisfies readonly JobStatus[];

export const JOB_PHASES = ['QUEUED', 'FETCHING', 'DOWNLOADING', 'PROBING', 'TRANSCODING', 'UPLOADING', 'DONE'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const jobsTable = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    status: text('status').$type<JobStatus>().notNull().default('AWAITING_UPLOAD'),
    /** Bumped by every change a subscriber should see; carried in notifications. */
    version: bigint('version', { mode: 'number' }).notNull().default(1),
    spec: jsonb('spec').$type<JobSpec>().notNull(),
    priority: integer('priority').notNull().default(0),
    webhookUrl: text('webhook_url'),
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the canonical input, to tell a replay from a conflicting reuse of the key. */
    idempotencyHash: text('idempotency_hash'),

    sourceFilename: text('source_filename').notNull(),
    sourceContentType: text('source_content_type'),
    /** Null for a URL source until a worker has copied it into the store. */
    sourceSizeBytes: bigint('source_size_bytes', { mode: 'number' }),
    /** The object key of the source: the upload's, or (a URL source) the copy a worker made, once made. */
    sourceKey: text('source_key').notNull(),
    /** The store's upload id of a source uploaded in parts (null: one PUT); kept until the job is gone. */
    sourceUploadId: text('source_upload_id'),
    /** Every part but the last of a source uploaded in parts is this size, fixed at createJob. */
    sourcePartSizeBytes: bigint('source_part_size_bytes', { mode: 'number' }),
    /** The http(s) URL a worker fetches the source from (given at createJob); null for an upload. */
    sourceUrl: text('source_url'),
    /** When a worker's copy of a URL source reached the store: later attempts download it, never fetch again. */
    sourceFetchedAt: timestamp('source_fetched_at', { withTimezone: true }),
    sourceDurationSeconds: doublePrecision('source_duration_seconds'),
    uploadExpiresAt: timestamp('upload_expires_at', { withTimezone: true }).notNull(),

    progressPhase: text('progress_phase').$type<JobPhase>(),
    progressPercent: doublePrecision('progress_percent'),
    progressSpeed: doublePrecision('progress_speed'),
    progressEtaSeconds: doublePrecision('progress_eta_seconds'),
    progressOutTimeSeconds: doublePrecision('progress_out_time_seconds'),
    progressUpdatedAt: timestamp('progress_updated_at', { withTimezone: true }),

    attempts: integer('attempts').notNull().default(0),
    /** How many video parts the transcode ran in at once (issue 18): 1 unless the job was split. */
    parallelism: integer('parallelism').notNull().default(1),
    machineId: text('machine_id'),
    /** Identifies the current claim; reports carrying another one (a late, replaced worker) are refused. */
    leaseId: uuid('lease_id'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /**
     * The job's place in the fair queue among jobs of its priority (start-time fair queuing), given
     * once when it is first QUEUED (src/jobs/sql/fair-seq.ts) and kept through retries; null before.
     */
    fairSeq: bigint('fair_seq', { mode: 'number' }),
    /** Earliest time a QUEUED job may be claimed (retry backoff). */
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),

    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Tail of ffmpeg's stderr for a failed attempt (redacted by the worker). */
    errorDetail: text('error_detail'),
    notices: jsonb('notices').$type<string[]>().notNull().default([]),
    /** The client's own string labels (createJob `metadata`); filtered by containment (`@>`). */
    metadata: jsonb('metadata').$type<Record<string, string>>(),
    /** When the maintenance loop deletes the job and its files; null keeps it. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),

    ...timestamps,
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    check('jobs_status_check', sql`${table.status} in ('AWAITING_UPLOAD','QUEUED','RUNNING','COMPLETED','FAILED','CANCELED')`),
    index('jobs_tenant_created_idx').on(table.tenantId, table.createdAt.desc(), table.id.desc()),
    // The claim (src/jobs/sql/claim-job.ts) walks this index in its exact order: priority, then the
    // fair place given at enqueue, then age. Also the enqueue's fallback probe for the head of a priority.
    index('jobs_claim_idx')
      .on(table.priority.desc(), table.fairSeq, table.createdAt, table.id)
      .where(sql`${table.status} = 'QUEUED'`),
    // The enqueue's probe for the last place a tenant holds in a priority's queue (src/jobs/sql/fair-seq.ts).
    index('jobs_tenant_queued_seq_idx')
      .on(table.tenantId, table.priority, table.fairSeq)
      .where(sql`${table.status} = 'QUEUED'`),
    // The enqueue's probe for how far claims of a priority have got (the largest place ever claimed).
    index('jobs_claimed_seq_idx')
      .on(table.priority, table.fairSeq)
      .where(sql`${table.status} <> 'QUEUED' and ${table.fairSeq} is not null`),
    // TENANT_MAX_RUNNING: a tenant's running jobs, counted by the claim.
    index('jobs_tenant_running_idx').on(table.tenantId).where(sql`${table.status} = 'RUNNING'`),
    index('jobs_lease_idx').on(table.leaseExpiresAt).where(sql`${table.status} = 'RUNNING'`),
    uniqueIndex('jobs_idempotency_idx')
      .on(table.tenantId, table.idempotencyKey)
      .where(sql`${table.idempotencyKey} is not null`),
    // jobs(metadata:): containment only, so jsonb_path_ops (smaller and faster than the default opclass).
    index('jobs_metadata_idx').using('gin', table.metadata.op('jsonb_path_ops')),
    // The maintenance loop's expiry scan.
    index('jobs_expires_idx').on(table.expiresAt).where(sql`${table.expiresAt} is not null`),
    // MAX_PENDING_UPLOADS: createJob counts a tenant's jobs AWAITING_UPLOAD up to the cap, reading at
    // most that many entries (without it, the count walked every job of the tenant, and every job
    // awaiting its upload of all tenants).
    index('jobs_tenant_awaiting_idx').on(table.tenantId).where(sql`${table.status} = 'AWAITING_UPLOAD'`),
    // The maintenance loop's scan for abandoned uploads.
    index('jobs_upload_expires_idx').on(table.uploadExpiresAt).where(sql`${table.status} = 'AWAITING_UPLOAD'`),
  ],
);
export type Job = typeof jobsTable.$inferSelect;

/**
 * One row per time a machine worked on a job: a claim (lease) from the moment it was made to the
 * moment it ended (completed, failed, released, canceled or lost). Written by the `jobs_track_attempts`
 * trigger (drizzle/*_job_attempts_trigger.sql) so every path that claims or ends a lease is counted.
 * `part` is null for a whole-job attempt; a job split into parts adds one row per part's lease.
 * `Job.usage` sums these.
 */
export const jobAttemptsTable = pgTable(
  'job_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobsTable.id, { onDelete: 'cascade' }),
    leaseId: uuid('lease_id').notNull(),
    part: integer('part'),
    machineId: text('machine_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    /** Null while the lease is held. */
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** The job's status when the lease ended (QUEUED: released or retried). */
    outcome: text('outcome'),
  },
  (table) => [uniqueIndex('job_attempts_lease_idx').on(table.jobId, table.leaseId)],
);
export type JobAttempt = typeof jobAttemptsTable.$inferSelect;

export const TASK_KINDS = ['VIDEO_PART', 'AUDIO', 'STITCH'] as const;
export type TaskKindName = (typeof TASK_KINDS)[number];
/** WAITING: the stitch until every other task is DONE; then QUEUED. CANCELED/DONE also follow the job's end. */
export const TASK_STATUSES = ['WAITING', 'QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A file a task uploaded under its own lease's prefix (VIDEO_PART, AUDIO), as task-complete reported it. */
export interface TaskFile {
  path: string;
  sizeBytes: number;
}

/**
 * One task of a job split into parts (issue 18; src/jobs/split-*.ts): N video parts, one audio task and
 * the stitch, created together when the planning worker reports its cuts. Each task has its own lease,
 * heartbeat, attempts and backoff, like a whole job; the job stays RUNNING (with no lease of its own)
 * while its tasks run. When the job ends (completed, failed, canceled) the `jobs_end_split_tasks`
 * trigger ends every task still open, and `job_tasks_track_attempts` keeps `job_attempts` (with `part`).
 */
export const jobTasksTable = pgTable(
  'job_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobsTable.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<TaskKindName>().notNull(),
    /** VIDEO_PART: 1..N; AUDIO and STITCH: 0. */
    index: integer('index').notNull(),
    /** Claim order within the job: AUDIO 0, parts 1..N, STITCH N+1. */
    position: integer('position').notNull(),
    status: text('status').$type<TaskStatus>().notNull(),
    startSeconds: doublePrecision('start_seconds').notNull(),
    endSeconds: doublePrecision('end_seconds').notNull(),
    /** Its share of the job's work, for the job's weighted progress (src/jobs/split-plan.ts). */
    weight: doublePrecision('weight').notNull(),
    /** The planner's report (SplitRequest), handed to the task's worker. */
    plan: jsonb('plan').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    machineId: text('machine_id'),
    /** The current (or, once DONE, the completing) claim: its files live under this lease's prefix. */
    leaseId: uuid('lease_id'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    progressPercent: doublePrecision('progress_percent'),
    /** What task-complete reported: the files (the stitch's inputs), and for AUDIO its outputs and notices. */
    files: jsonb('files').$type<TaskFile[]>(),
    outputs: jsonb('outputs').$type<unknown[]>(),
    notices: jsonb('notices').$type<string[]>(),
    ...timestamps,
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    check('job_tasks_status_check', sql`${table.status} in ('WAITING','QUEUED','RUNNING','DONE','FAILED','CANCELED')`),
    check('job_tasks_kind_check', sql`${table.kind} in ('VIDEO_PART','AUDIO','STITCH')`),
    uniqueIndex('job_tasks_job_position_idx').on(table.jobId, table.position),
    // The task claim (src/jobs/sql/claim-task.ts) walks this: the job split first, then by position
    // (AUDIO, parts 1..N, STITCH), re-sorted within the job so parts come before AUDIO. Partial: with
    // no split job running it is empty (one probe).
    index('job_tasks_claim_idx')
      .on(table.createdAt, table.jobId, table.position)
      .where(sql`${table.status} = 'QUEUED'`),
    index('job_tasks_lease_idx').on(table.leaseExpiresAt).where(sql`${table.status} = 'RUNNING'`),
  ],
);
export type JobTask = typeof jobTasksTable.$inferSelect;

/**
 * A deleted job's tombstone: the job's rows are gone, its files may not be yet. The maintenance loop
 * deletes the files of every tombstone (again after `recheckAfter`, when no URL minted before the
 * delete can still write), then the tombstone. Not a foreign key: the job row no longer exists.
 */
export const jobDeletionsTable = pgTable(
  'job_deletions',
  {
    jobId: uuid('job_id').primaryKey(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the files were last swept; null: not yet. */
    sweptAt: timestamp('swept_at', { withTimezone: true }),
    /** After this, no presigned PUT minted before the delete is valid: the last sweep is final. */
    recheckAfter: timestamp('recheck_after', { withTimezone: true }).notNull(),
  },
  (table) => [index('job_deletions_recheck_idx').on(table.recheckAfter)],
);

/** One row per rendition a job publishes, created with the job in request order. */
export const jobOutputsTable = pgTable(
  'job_outputs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobsTable.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    /** Object key of the rendition's main file (the master playlist for HLS). */
    key: text('key').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    durationSeconds: doublePrecision('duration_seconds'),
    /** Set when the rendition is not produced (a quality above the source's height). */
    skippedReason: text('skipped_reason'),
    /** Picture size of a video or image rendition (a storyboard's: one tile), as the worker measured it. */
    width: integer('width'),
    height: integer('height'),
    /** EBU R128 loudness measured on the produced file (at least for outputs that asked for normalisation). */
    loudness: jsonb('loudness').$type<LoudnessMeasurement>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('job_outputs_job_name_idx').on(table.jobId, table.name)],
);
export type JobOutput = typeof jobOutputsTable.$inferSelect;

/** Append-only log of every status transition and claim. */
export const jobEventsTable = pgTable(
  'job_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobsTable.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    fromStatus: text('from_status').$type<JobStatus>(),
    toStatus: text('to_status').$type<JobStatus>(),
    attempt: integer('attempt'),
    machineId: text('machine_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('job_events_job_idx').on(table.jobId, table.id)],
);
export type JobEvent = typeof jobEventsTable.$inferSelect;

/** Secrets generated once and shared by every API instance (e.g. the worker credential signing key). */
export const serverSecretsTable = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One row per webhook event (a job reaching COMPLETED, FAILED or CANCELED with a webhook URL),
 * inserted by the `jobs_enqueue_webhook` trigger in the transaction of the transition itself, so
 * no terminal transition can commit without its event. The deliverer claims due rows with a lease.
 */
export const webhookDeliveriesTable = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobsTable.id, { onDelete: 'cascade' }),
    /** `job.completed`, `job.failed` or `job.canceled`. */
    eventType: text('event_type').notNull(),
    /** The Standard Webhooks `webhook-id`, the same on every retry: receivers deduplicate on it. */
    webhookId: text('webhook_id')
      .notNull()
      .default(sql`('msg_' || replace(gen_random_uuid()::text, '-', ''))`),
    status: text('status').$type<WebhookDeliveryStatus>().notNull().default('PENDING'),
    /** Attempts claimed so far (counted at claim, so an instance dying mid-attempt still counts). */
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due; null once DELIVERED or FAILED. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).defaultNow(),
    /** Identifies the current claim; only its holder may record the attempt's result. */
    leaseId: uuid('lease_id'),
    /** A claim not finished by then (its instance died) is taken over by any instance. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    check('webhook_deliveries_status_check', sql`${table.status} in ('PENDING','DELIVERED','FAILED')`),
    uniqueIndex('webhook_deliveries_job_event_idx').on(table.jobId, table.eventType),
    uniqueIndex('webhook_deliveries_webhook_id_idx').on(table.webhookId),
    // The claim query: due pending deliveries, oldest due first.
    index('webhook_deliveries_due_idx')
      .on(table.nextAttemptAt)
      .where(sql`${table.status} = 'PENDING'`),
  ],
);
export type WebhookDelivery = typeof webhookDeliveriesTable.$inferSelect;

/** Append-only log of every finished delivery attempt: what the job shows in `webhookDeliveries`. */
export const webhookAttemptsTable = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveriesTable.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The receiver's HTTP status; null when no response arrived (timeout, refused, unreachable). */
    responseStatus: integer('response_status'),
    /** Why the attempt did not count as delivered; null for a 2xx. */
    error: text('error'),
  },
  (table) => [index('webhook_attempts_delivery_idx').on(table.deliveryId, table.id)],
);
export type WebhookAttempt = typeof webhookAttemptsTable.$inferSelect;
