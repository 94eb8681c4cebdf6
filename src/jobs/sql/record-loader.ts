import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { JobRecord } from './read-jobs.js';
import { jobsTable, type JobOutput } from '../../db/schema.js';

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
 * subscriber of the jobs it names in the same turn of the event loop; their reads are merged into one
 * query, and subscribers of one job share one read. Without this, 10,000 subscriptions resynchronising
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
 * The read, prepared once: building a drizzle query costs about three times the CPU of running it,
 * and subscriptions read on every change. One statement returns each job row with its outputs
 * aggregated beside it: one round trip per batch instead of two, and since a statement sees one
 * snapshot the outputs can never be older than the row (a COMPLETED row always comes with the outputs
 * its completion wrote). The ids travel as one array literal (canonical UUIDs only, checked above), so
 * the statement text is the same whatever the batch size.
 */
function prepareReads(db: Database): (ids: string[]) => Promise<Map<string, JobRecord>> {
  const ids = sql.placeholder('ids');
  // Spelled out with qualified names: drizzle leaves columns unqualified in a single-table select, which
  // inside this subquery would resolve to job_outputs' own columns. As text, parsed here: what the driver
  // makes of json depends on how drizzle wrapped it. test/realtime/record-loader.test.ts checks that the
  // objects equal drizzle's own mapping of the rows.
  const outputs = sql<string>`(select coalesce(json_agg(json_build_object(
      'id', o.id, 'jobId', o.job_id, 'position', o.position, 'name', o.name, 'contentType', o.content_type,
      'key', o.key, 'sizeBytes', o.size_bytes, 'durationSeconds', o.duration_seconds,
      'skippedReason', o.skipped_reason, 'width', o.width, 'height', o.height, 'loudness', o.loudness,
      'createdAt', o.created_at
    ) order by o.position), '[]')::text from job_outputs o where o.job_id = jobs.id)`;
  const records = db
    .select({ job: jobsTable, outputs })
    .from(jobsTable)
    .where(sql`${jobsTable.id} = any(${ids}::text::uuid[])`)
    .prepare('ffly_job_records_with_outputs');
  return async (chunk) => {
    const found = new Map<string, JobRecord>();
    for (const row of await records.execute({ ids: `{${chunk.join(',')}}` })) {
      found.set(row.job.id, { job: row.job, outputs: (JSON.parse(row.outputs) as OutputJson[]).map(toJobOutput) });
    }
    return found;
  };
}

/** An output as the statement's json_build_object spells it (timestamps as ISO 8601 text). */
type OutputJson = Omit<JobOutput, 'createdAt'> & { createdAt: string };

/** The same object drizzle maps a job_outputs row to (test/realtime/record-loader.test.ts compares them). */
function toJobOutput(output: OutputJson): JobOutput {
  return { ...output, createdAt: new Date(output.createdAt) };
}
