import { and, asc, eq, ne } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { jobTasksTable, type JobTask } from '../../db/schema.js';

/** The DONE tasks of a split job but the stitch, in the stitch's input order: AUDIO, then parts 1..N. */
export async function readDoneTasks(db: Pick<Database, 'select'>, jobId: string): Promise<JobTask[]> {
  return db
    .select()
    .from(jobTasksTable)
    .where(and(eq(jobTasksTable.jobId, jobId), eq(jobTasksTable.status, 'DONE'), ne(jobTasksTable.kind, 'STITCH')))
    .orderBy(asc(jobTasksTable.position));
}

/** Every task of a job, in position order (AUDIO, parts 1..N, STITCH; the claim takes parts before AUDIO); empty for a job never split. */
export async function readTasks(db: Pick<Database, 'select'>, jobId: string): Promise<JobTask[]> {
  return db.select().from(jobTasksTable).where(eq(jobTasksTable.jobId, jobId)).orderBy(asc(jobTasksTable.position));
}
