import { asc, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { JobRecord } from './read-jobs.js';
import { jobOutputsTable, jobsTable } from '../../db/schema.js';

/** Reads jobs' current rows for subscriptions (any tenant: the caller checks the tenant). */
export interface JobRecordLoader {
  /** The job as it is now (read after this call), or null when there is no such job. */
  load(jobId: string): Promise<JobRecord | null>;
}

const BATCH_LIMIT = 500;
/** Only canonical UUIDs reach the batch: one id PostgreSQL cannot cast would fail the whole query. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const loaders = new WeakMap<Database, JobRecordLoader>();

/**
 * The loader of one database handle (so one per API instance). One notification batch wakes every
 * subscriber of the jobs it names in the same turn of the event loop; their reads are merged into two
 * queries, and subscribers of one job share one read. Without this, 10,000 subscriptions resynchronising
 * after a reconnect would be 20,000 queries.
 */
export function jobRecordLoader(db: Database): JobRecordLoader {
  let loader = loaders.get(db);
  if (!loader) loaders.set(db, (loader = createJobRecordLoader(db)));
  return loader;
}

interface Pending {
  promise: Promise<JobRecord | null>;
  resolve(record: JobRecord | null): void;
  reject(error: unknown): void;
}

function createJobRecordLoader(db: Database): JobRecordLoader {
  const readRecords = prepareReads(db);
  let queued: Map<string, Pending> | null = null;

  async function run(batch: Map<string, Pending>): Promise<void> {
    const ids = [...batch.keys()];
    for (let start = 0; start < ids.length; start += BATCH_LIMIT) {
      const chunk = ids.slice(start, start + BATCH_LIMIT);
      try {
        const records = await readRecords(chunk);
        for (const id of chunk) batch.get(id)!.resolve(records.get(id) ?? null);
      } catch (error) {
        for (const id of chunk) batch.get(id)!.reject(error);
      }
    }
  }

  return {
    load(requestedId) {
      if (!UUID.test(requestedId)) return Promise.resolve(null);
      const jobId = requestedId.toLowerCase(); // as PostgreSQL returns it, to match the rows
      if (!queued) {
        const batch = (queued = new Map());
        // setImmediate, not a microtask: waits for every subscriber woken by the same notification.
        setImmediate(() => {
          queued = null;
          void run(batch);
        });
      }
      let pending = queued.get(jobId);
      if (!pending) {
        let resolve!: Pending['resolve'];
        let reject!: Pending['reject'];
        const promise = new Promise<JobRecord | null>((res, rej) => ((resolve = res), (reject = rej)));
        queued.set(jobId, (pending = { promise, resolve, reject }));
      }
      return pending.promise;
    },
  };
}

/**
 * The two reads, prepared once: building a drizzle query costs about three times the CPU of running
 * it, and subscriptions read on every change. The ids travel as one array literal (canonical UUIDs
 * only, checked above), so the statement text is the same whatever the batch size.
 */
function prepareReads(db: Database): (ids: string[]) => Promise<Map<string, JobRecord>> {
  const ids = sql.placeholder('ids');
  const jobs = db
    .select()
    .from(jobsTable)
    .where(sql`${jobsTable.id} = any(${ids}::text::uuid[])`)
    .prepare('ffly_job_records');
  const outputs = db
    .select()
    .from(jobOutputsTable)
    .where(sql`${jobOutputsTable.jobId} = any(${ids}::text::uuid[])`)
    .orderBy(asc(jobOutputsTable.jobId), asc(jobOutputsTable.position))
    .prepare('ffly_job_record_outputs');
  return async (chunk) => {
    const records = new Map<string, JobRecord>();
    for (const job of await jobs.execute({ ids: `{${chunk.join(',')}}` })) records.set(job.id, { job, outputs: [] });
    if (records.size === 0) return records;
    for (const output of await outputs.execute({ ids: `{${[...records.keys()].join(',')}}` })) records.get(output.jobId)?.outputs.push(output);
    return records;
  };
}
