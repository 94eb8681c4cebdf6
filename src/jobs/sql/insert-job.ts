import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobEventsTable, jobOutputsTable, jobsTable } from '../../db/schema.js';
import { fairSeqExpression } from './fair-seq.js';
import { notifyJobChanged } from './notify.js';
import type { JobRecord } from './read-jobs.js';

export type NewJob = typeof jobsTable.$inferInsert;
export type NewJobOutput = Omit<typeof jobOutputsTable.$inferInsert, 'jobId'>;

/**
 * Inserts a job, its outputs and its "created" event; null when the idempotency key is already taken.
 * A job inserted QUEUED (a URL source) takes its fair place and is announced in the same
 * transaction, so a waiting worker's long poll claims it at once.
 */
export async function insertJob(db: Database, job: NewJob, outputs: NewJobOutput[]): Promise<JobRecord | null> {
  return db.transaction(async (tx) => {
    // A job inserted QUEUED takes its place in the fair queue here, as startJob's enqueue gives it.
    const values = job.status === 'QUEUED' ? { ...job, fairSeq: fairSeqExpression(sql`${job.tenantId}`, sql`${job.priority ?? 0}::int`) } : job;
    const [inserted] = await tx.insert(jobsTable).values(values).onConflictDoNothing().returning();
    if (!inserted) return null;
    const insertedOutputs = await tx
      .insert(jobOutputsTable)
      .values(outputs.map((output) => ({ ...output, jobId: inserted.id })))
      .returning();
    await tx.insert(jobEventsTable).values({ jobId: inserted.id, type: 'created', toStatus: inserted.status });
    if (inserted.status === 'QUEUED') await notifyJobChanged(tx, inserted);
    return { job: inserted, outputs: insertedOutputs.sort((a, b) => a.position - b.position) };
  });
}

/** Frees an idempotency key whose 24 h window has passed, so the key can name a new job. */
export async function releaseIdempotencyKey(db: Pick<Database, 'update'>, jobId: string): Promise<void> {
  await db.update(jobsTable).set({ idempotencyKey: null }).where(eq(jobsTable.id, jobId));
}
