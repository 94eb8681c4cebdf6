/**
 * The one reader of "a job with its outputs", used by GraphQL, webhooks, HLS links and the worker
 * protocol alike. Outputs carry the keys of the attempt that completed (see complete-job.ts); before
 * completion no client-facing code mints a URL for them.
 */
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobOutputsTable, jobsTable, type Job, type JobOutput, type JobStatus } from '../../db/schema.js';

/** A job with its renditions in request order: what the GraphQL Job type resolves from. */
export interface JobRecord {
  job: Job;
  outputs: JobOutput[];
}

type Executor = Pick<Database, 'select' | 'selectDistinct'>;

/** A tenant's job, or null (another tenant's job does not exist for it). */
export async function findJob(db: Executor, tenantId: string, id: string): Promise<JobRecord | null> {
  const [job] = await db
    .select()
    .from(jobsTable)
    .where(and(eq(jobsTable.id, id), eq(jobsTable.tenantId, tenantId)));
  if (!job) return null;
  return { job, outputs: await findOutputs(db, [job.id]) };
}

/** Any tenant's job: for the system (webhook deliverer, worker protocol), which scopes it itself. */
export async function loadJobRecord(db: Executor, jobId: string): Promise<JobRecord | null> {
  const [job] = await db.select().from(jobsTable).where(eq(jobsTable.id, jobId));
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

/** The key of one rendition of a COMPLETED job (the HLS route), or null. */
export async function findCompletedOutputKey(db: Executor, jobId: string, outputName: string): Promise<string | null> {
  const [output] = await db
    .select({ key: jobOutputsTable.key })
    .from(jobOutputsTable)
    .innerJoin(jobsTable, eq(jobsTable.id, jobOutputsTable.jobId))
    .where(and(eq(jobOutputsTable.jobId, jobId), eq(jobOutputsTable.name, outputName), eq(jobsTable.status, 'COMPLETED')));
  return output?.key ?? null;
}

export interface ListJobsOptions {
  tenantId: string;
  limit: number;
  statuses: JobStatus[] | null;
  /** Keyset cursor: the (createdAt, id) of the last job of the previous page. */
  after: { createdAt: Date; id: string } | null;
  /** Only jobs whose metadata holds every one of these keys and values (`@>`, jobs_metadata_idx). */
  metadata?: Record<string, string> | null;
}

/** Newest first, keyset-paginated (stable under concurrent inserts, unlike offsets). */
export async function listJobs(db: Executor, options: ListJobsOptions): Promise<JobRecord[]> {
  const conditions: SQL[] = [eq(jobsTable.tenantId, options.tenantId)];
  if (options.statuses) conditions.push(inArray(jobsTable.status, options.statuses));
  if (options.metadata) conditions.push(sql`${jobsTable.metadata} @> ${JSON.stringify(options.metadata)}::jsonb`);
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

export interface Demand {
  /** QUEUED jobs and tasks of split jobs a worker could claim now (their retry backoff has passed), counted up to the cap. */
  claimableJobs: number;
  /** Machines that a RUNNING job names: they are working, not idle capacity. */
  busyMachineIds: Set<string>;
}

/**
 * The work side of a scheduling decision. Both halves use the partial indexes on QUEUED and RUNNING
 * jobs. The count stops at `cap`: past what the pool could take on there is nothing to decide, and a
 * deep backlog must not make every scheduling pass slower.
 */
export async function readDemand(db: Pick<Database, 'execute'>, options: { cap: number }): Promise<Demand> {
  // Claimable work: QUEUED jobs and the QUEUED tasks of split jobs (issue 18), both past their backoff,
  // so the pool grows for the parts. Busy: machines a RUNNING job or a RUNNING task names.
  const limit = Math.max(1, options.cap);
  const rows = await db.execute<{ claimable: number }>(sql`
    select (select count(*) from (select 1 from jobs where status = 'QUEUED' and run_after <= now() limit ${limit}) queued)::int
         + (select count(*) from (select 1 from job_tasks where status = 'QUEUED' and run_after <= now() limit ${limit}) tasks)::int as claimable`);
  const busy = await db.execute<{ machine_id: string }>(sql`
    select machine_id from jobs where status = 'RUNNING' and machine_id is not null and lease_id is not null
    union
    select machine_id from job_tasks where status = 'RUNNING' and machine_id is not null`);
  return {
    claimableJobs: Math.min(limit, Number(rows[0]?.claimable ?? 0)),
    busyMachineIds: new Set(busy.map((row) => row.machine_id)),
  };
}

/**
 * Seconds machines worked on each job (over every attempt and part, an open lease counted up to now),
 * or no entry for a job that has not run. One query for a page of jobs.
 */
export async function readMachineSeconds(db: Pick<Database, 'execute'>, jobIds: string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.execute<{ job_id: string; seconds: number }>(sql`
    select job_id, sum(extract(epoch from coalesce(ended_at, now()) - started_at))::float8 as seconds
    from job_attempts where job_id in (${sql.join(jobIds.map((id) => sql`${id}::uuid`), sql`, `)})
    group by job_id`);
  return new Map(rows.map((row) => [row.job_id, Number(row.seconds)]));
}
