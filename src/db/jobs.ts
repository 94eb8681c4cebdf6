import { and, asc, desc, eq, inArray, lt, or, sql as rawSql, type SQL } from 'drizzle-orm';
import type { Database } from './client.js';
import { JOB_CHANNEL, jobChangeEvent } from './job-notifications.js';
import { encodeBatch } from './notification-batch.js';
import {
  jobEventsTable,
  jobOutputsTable,
  jobsTable,
  type Job,
  type JobOutput,
  type JobStatus,
} from './schema.js';

/** A job with its renditions in request order: what the GraphQL Job type resolves from. */
export interface JobRecord {
  job: Job;
  outputs: JobOutput[];
}

type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'execute'>;

export type NewJob = typeof jobsTable.$inferInsert;
export type NewJobOutput = Omit<typeof jobOutputsTable.$inferInsert, 'jobId'>;

/** Inserts a job, its outputs and its "created" event; null when the idempotency key is already taken. */
export async function insertJob(db: Database, job: NewJob, outputs: NewJobOutput[]): Promise<JobRecord | null> {
  return db.transaction(async (tx) => {
    const [inserted] = await tx.insert(jobsTable).values(job).onConflictDoNothing().returning();
    if (!inserted) return null;
    const insertedOutputs = await tx
      .insert(jobOutputsTable)
      .values(outputs.map((output) => ({ ...output, jobId: inserted.id })))
      .returning();
    await tx.insert(jobEventsTable).values({ jobId: inserted.id, type: 'created', toStatus: inserted.status });
    return { job: inserted, outputs: insertedOutputs.sort((a, b) => a.position - b.position) };
  });
}

export async function findJob(db: Executor, tenantId: string, id: string): Promise<JobRecord | null> {
  const [job] = await db
    .select()
    .from(jobsTable)
    .where(and(eq(jobsTable.id, id), eq(jobsTable.tenantId, tenantId)));
  if (!job) return null;
  return { job, outputs: await findOutputs(db, [job.id]) };
}

export async function findJobByIdempotencyKey(db: Executor, tenantId: string, key: string): Promise<Job | null> {
  const [job] = await db
    .select()
    .from(jobsTable)
    .where(and(eq(jobsTable.tenantId, tenantId), eq(jobsTable.idempotencyKey, key)));
  return job ?? null;
}

/** Frees an idempotency key whose 24 h window has passed, so the key can name a new job. */
export async function releaseIdempotencyKey(db: Executor, jobId: string): Promise<void> {
  await db.update(jobsTable).set({ idempotencyKey: null }).where(eq(jobsTable.id, jobId));
}

export interface ListJobsOptions {
  tenantId: string;
  limit: number;
  statuses: JobStatus[] | null;
  /** Keyset cursor: the (createdAt, id) of the last job of the previous page. */
  after: { createdAt: Date; id: string } | null;
}

/** Newest first, keyset-paginated (stable under concurrent inserts, unlike offsets). */
export async function listJobs(db: Executor, options: ListJobsOptions): Promise<JobRecord[]> {
  const conditions: SQL[] = [eq(jobsTable.tenantId, options.tenantId)];
  if (options.statuses) conditions.push(inArray(jobsTable.status, options.statuses));
  if (options.after) {
    const { createdAt, id } = options.after;
    conditions.push(
      or(lt(jobsTable.createdAt, createdAt), and(eq(jobsTable.createdAt, createdAt), lt(jobsTable.id, id)))!,
    );
  }
  const jobs = await db
    .select()
    .from(jobsTable)
    .where(and(...conditions))
    .orderBy(desc(jobsTable.createdAt), desc(jobsTable.id))
    .limit(options.limit);
  const outputs = await findOutputs(db, jobs.map((job) => job.id));
  return jobs.map((job) => ({ job, outputs: outputs.filter((output) => output.jobId === job.id) }));
}

async function findOutputs(db: Executor, jobIds: string[]): Promise<JobOutput[]> {
  if (jobIds.length === 0) return [];
  return db
    .select()
    .from(jobOutputsTable)
    .where(inArray(jobOutputsTable.jobId, jobIds))
    .orderBy(asc(jobOutputsTable.jobId), asc(jobOutputsTable.position));
}

export interface Transition {
  tenantId?: string;
  id: string;
  from: readonly JobStatus[];
  set: Partial<typeof jobsTable.$inferInsert> & { status?: JobStatus };
  event: { type: string; detail?: Record<string, unknown>; machineId?: string | null };
  /** Extra guard, e.g. the lease a worker's report must carry. */
  where?: SQL;
}

/**
 * Changes a job's status in one statement, `UPDATE ... WHERE status = ANY(from) RETURNING`, never
 * read-modify-write, so racing API instances cannot break the state machine; records the event in
 * the same transaction. Returns null when the job was not in an allowed status (or is not the tenant's).
 */
export async function transitionJob(db: Database, transition: Transition): Promise<Job | null> {
  return db.transaction(async (tx) => {
    const conditions: SQL[] = [eq(jobsTable.id, transition.id), inArray(jobsTable.status, [...transition.from])];
    if (transition.tenantId) conditions.push(eq(jobsTable.tenantId, transition.tenantId));
    if (transition.where) conditions.push(transition.where);
    // Lock the row only to record the status it leaves in the event; the guard is the UPDATE's WHERE.
    const [previous] = await tx
      .select({ status: jobsTable.status })
      .from(jobsTable)
      .where(eq(jobsTable.id, transition.id))
      .for('update');
    if (!previous) return null;
    const [updated] = await tx
      .update(jobsTable)
      .set({ ...transition.set, version: rawSql`${jobsTable.version} + 1`, updatedAt: rawSql`now()` })
      .where(and(...conditions))
      .returning();
    if (!updated) return null;
    await tx.insert(jobEventsTable).values({
      jobId: updated.id,
      type: transition.event.type,
      fromStatus: previous.status,
      toStatus: updated.status,
      attempt: updated.attempts,
      machineId: transition.event.machineId ?? updated.machineId,
      detail: transition.event.detail ?? null,
    });
    await notifyJobChanged(tx, updated);
    return updated;
  });
}

export { JOB_CHANNEL } from './job-notifications.js';

/**
 * Announces a job's change inside the transaction that makes it, so the notification exists exactly
 * when the change commits. Used for status changes, which are never coalesced; progress goes through
 * the job listener's pubsub instead (see job-listener.ts), which batches it.
 */
export async function notifyJobChanged(db: Pick<Database, 'execute'>, job: Pick<Job, 'id' | 'version' | 'status'>): Promise<void> {
  const [payload] = encodeBatch({}, [jobChangeEvent(job)]);
  await db.execute(rawSql`select pg_notify(${JOB_CHANNEL}, ${payload})`);
}
