import type { JobStatus } from '../db/schema.js';

/**
 * The job state machine: every status change any module may make, and the event it records. The SQL
 * of each change lives in `src/jobs/sql/` (one module per concern); each one is a single guarded
 * statement (`UPDATE ... WHERE status = ANY(from)`), so racing instances cannot break this table.
 *
 * | from            | to        | event          | by                                                   |
 * | --------------- | --------- | -------------- | ---------------------------------------------------- |
 * | (new)           | AWAITING_UPLOAD | created  | createJob                                            |
 * | (new)           | QUEUED    | created        | createJob with a URL source (nothing to upload)      |
 * | AWAITING_UPLOAD | QUEUED    | queued         | startJob, once the upload is verified                |
 * | QUEUED          | RUNNING   | claimed        | a worker's claim (long poll), attempts + 1           |
 * | RUNNING         | RUNNING   | split          | the planning worker splits the job into tasks (issue 18): its lease ends, the job runs on as tasks |
 * | RUNNING         | QUEUED    | returned       | a claim that could not be delivered (attempt undone) |
 * | RUNNING         | QUEUED    | released       | the worker hands the job back on shutdown (attempt undone) |
 * | RUNNING         | QUEUED    | retry          | the worker reports a retryable failure (attempt counts) |
 * | RUNNING         | QUEUED    | lease_expired  | the lease reaper: no heartbeat for LEASE_MS (attempt counts) |
 * | RUNNING         | COMPLETED | completed      | the worker of the current lease, outputs verified    |
 * | RUNNING         | FAILED    | failed         | a permanent failure, or a retryable one on the last attempt |
 * | RUNNING         | FAILED    | lease_expired  | the lease reaper, once MAX_ATTEMPTS are spent (WORKER_LOST) |
 * | AWAITING_UPLOAD, QUEUED, RUNNING | CANCELED | canceled | cancelJob                                  |
 *
 * COMPLETED, FAILED and CANCELED are terminal: nothing leaves them.
 */
export const JOB_TRANSITIONS = [
  { event: 'queued', from: ['AWAITING_UPLOAD'], to: ['QUEUED'] },
  { event: 'claimed', from: ['QUEUED'], to: ['RUNNING'] },
  { event: 'split', from: ['RUNNING'], to: ['RUNNING'] },
  { event: 'returned', from: ['RUNNING'], to: ['QUEUED'] },
  { event: 'released', from: ['RUNNING'], to: ['QUEUED'] },
  { event: 'retry', from: ['RUNNING'], to: ['QUEUED'] },
  { event: 'lease_expired', from: ['RUNNING'], to: ['QUEUED', 'FAILED'] },
  { event: 'completed', from: ['RUNNING'], to: ['COMPLETED'] },
  { event: 'failed', from: ['RUNNING'], to: ['FAILED'] },
  { event: 'canceled', from: ['AWAITING_UPLOAD', 'QUEUED', 'RUNNING'], to: ['CANCELED'] },
] as const satisfies ReadonlyArray<{ event: string; from: readonly JobStatus[]; to: readonly JobStatus[] }>;

export type TransitionEvent = (typeof JOB_TRANSITIONS)[number]['event'];

/** The statuses an event may leave from: what its UPDATE's `WHERE status = ANY(...)` names. */
export function fromStatuses<E extends TransitionEvent>(event: E): Extract<(typeof JOB_TRANSITIONS)[number], { event: E }>['from'] {
  return JOB_TRANSITIONS.find((transition) => transition.event === event)!.from as never;
}

/** True when the table allows `from` -> `to`. */
export function isAllowedTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS.some((transition) => (transition.from as readonly JobStatus[]).includes(from) && (transition.to as readonly JobStatus[]).includes(to));
}

export const CANCELABLE_STATUSES = fromStatuses('canceled');
