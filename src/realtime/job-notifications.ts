import { sql, type SQL } from 'drizzle-orm';
import type { Job, JobStatus } from '../db/schema.js';
import { JOB_CHANNEL } from './channels.js';
import { encodeBatch, type NotificationEvent } from './notification-batch.js';

export { JOB_CHANNEL };

/** The PubSub routing key; a job's topic is `jobUpdated:<id>` (yoga's `<routingKey>:<id>` convention). */
export const JOB_ROUTING_KEY = 'jobUpdated';

/**
 * What a notification says about a job: which one, and its version, the per-job sequence number
 * bumped by every write. Never the row itself: subscribers read the current row.
 */
export interface JobChange {
  id: string;
  version: number;
  status: JobStatus;
}

/** The PubSub topic of one job's changes. */
export function jobTopic(jobId: string): string {
  return `${JOB_ROUTING_KEY}:${jobId}`;
}

/** What to announce about a job row just written. */
export function jobChangeOf(job: Pick<Job, 'id' | 'version' | 'status'>): JobChange {
  return { id: job.id, version: job.version, status: job.status };
}

/** The notification event announcing a job row just written. */
export function jobChangeEvent(job: Pick<Job, 'id' | 'version' | 'status'>): NotificationEvent {
  return [jobTopic(job.id), jobChangeOf(job)];
}

/**
 * The NOTIFY announcing a job row just written, as a statement for the job SQL to run inside the
 * transaction that writes it (status changes, which are never coalesced).
 */
export function jobChangedNotification(job: Pick<Job, 'id' | 'version' | 'status'>): SQL {
  const [payload] = encodeBatch({}, [jobChangeEvent(job)]);
  return sql`select pg_notify(${JOB_CHANNEL}, ${payload})`;
}

/**
 * The same payload as {@link jobChangedNotification}, as a select-list expression over a CTE named
 * `alias` that returns the changed job row: lets a transition, its event and its NOTIFY be one
 * statement. Built in SQL because the version is only known there; it must decode as the batch
 * {@link encodeBatch} makes ("the claim notification" in test/workers/worker-protocol.test.ts checks
 * that it does). Its text is fixed for a given alias, so the statements using it stay prepared.
 */
export function jobChangedNotifyExpression(alias: string): SQL {
  const table = sql.raw(alias);
  return sql`pg_notify(${JOB_CHANNEL}, json_build_object('events', json_build_array(json_build_array(
    ${`${JOB_ROUTING_KEY}:`} || ${table}.id, json_build_object('id', ${table}.id, 'version', ${table}.version, 'status', ${table}.status))))::text)`;
}
