import { sql } from 'drizzle-orm';
import { isRetryableFailure } from '../../../protocol/failure-codes.js';
import type { Database } from '../../db/client.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';
import { leaseGuard, runTransition } from './transition.js';

export interface Failure {
  code: string;
  message: string;
  /** Redacted ffmpeg stderr tail. */
  detail: string | null;
}

/**
 * A worker's failure report, in one statement. A retryable code (protocol/failure-codes.ts) puts the
 * job back in the queue with a backoff while attempts remain (the attempt counts); a permanent one,
 * or a retryable one on the last attempt, fails the job with that code.
 */
export async function failJob(db: Database, lease: Lease, failure: Failure, options: { maxAttempts: number; retryBaseMs: number }): Promise<LeaseOutcome> {
  const retry = isRetryableFailure(failure.code);
  const job = retry
    ? await runTransition(db, {
        id: lease.jobId,
        event: 'retry',
        to: 'QUEUED',
        // The failure is kept in the event, not on the job: a QUEUED job shows no error.
        set: sql`lease_id = null, lease_expires_at = null, progress_phase = null, progress_percent = null,
          run_after = now() + make_interval(secs => ${retryBackoffSql(options.retryBaseMs)} / 1000.0)`,
        where: sql`${leaseGuard(lease.leaseId)} and jobs.attempts < ${options.maxAttempts}`,
        detail: { code: failure.code, message: failure.message },
      })
    : null;
  const failed =
    job ??
    (await runTransition(db, {
      id: lease.jobId,
      event: 'failed',
      to: 'FAILED',
      set: sql`error_code = ${failure.code}, error_message = ${failure.message}, error_detail = ${failure.detail},
        finished_at = now(), lease_expires_at = null`,
      where: leaseGuard(lease.leaseId),
      detail: { code: failure.code, message: failure.message },
    }));
  return failed ? { kind: 'ok', job: failed } : leaseProblem(db, lease);
}

/**
 * Exponential backoff with jitter: base * 2^(attempts-1) * [0.5, 1.5), capped at 5 minutes. In SQL because
 * the retry time is set in the same statement as the status change; it is `protocol/backoff.ts`'s policy
 * (`jitter: 'spread'`), which every retry loop in TypeScript uses, written for PostgreSQL.
 */
export function retryBackoffSql(retryBaseMs: number) {
  return sql`least(300000, ${retryBaseMs}::double precision * power(2, greatest(jobs.attempts - 1, 0)) * (0.5 + random()))`;
}
