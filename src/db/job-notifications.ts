import type { NotificationEvent } from './notification-batch.js';
import type { Job, JobStatus } from './schema.js';

/** The one channel every API instance LISTENs on for job changes. */
export const JOB_CHANNEL = 'ffly_job_updated';

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
