/**
 * The maintenance loop: what keeps a long-running ffly from only growing. One instance at a time runs
 * it (an advisory-lock leader, the scheduler's mechanism with its own lock), every
 * MAINTENANCE_INTERVAL_MS. Each pass, in bounded steps:
 * 1. finishes deletes: sweeps the files of tombstoned jobs (a delete cut short, or the final sweep);
 * 2. deletes expired jobs (`expiresAt` passed) and AWAITING_UPLOAD jobs abandoned for ABANDONED_UPLOAD_S
 *    after their upload window closed, exactly as deleteJob does;
 * 3. aborts multipart uploads no job owns, begun more than ABANDONED_UPLOAD_S ago;
 * 4. trims events and webhook attempts of finished jobs older than HISTORY_RETENTION_S, 1,000 rows per
 *    statement, so a backlog of a million rows never holds a lock for long.
 */
import type { Config } from '../config/load-config.js';
import type { Database, Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { startLeaderElection } from '../pool/leader.js';
import { deleteJob, sweepJobFiles } from '../jobs/delete-job.js';
import { dueDeletions, jobsToExpire } from '../jobs/sql/delete-job.js';
import type { ObjectStore } from '../storage/object-store.js';
import { abortOrphanedUploads } from './orphan-uploads.js';
import { TRIM_BATCH_ROWS, trimJobEvents, trimWebhookAttempts } from './trim-history.js';

/** The maintenance leader's advisory lock: ('ffly', 2); the scheduler's is ('ffly', 1). */
const MAINTENANCE_LOCK_OBJECT = 2;
/** Jobs deleted (or tombstones swept) per step; a pass repeats a step until it finds fewer. */
const JOB_BATCH = 100;

export interface MaintenanceReport {
  swept: number;
  deletedJobs: number;
  abortedUploads: number;
  trimmedEvents: number;
  trimmedWebhookAttempts: number;
}

export interface Maintenance {
  isLeader(): boolean;
  /** Runs one pass now (whether or not this instance leads): for tests and the CLI. */
  runOnce(): Promise<MaintenanceReport>;
  stop(): Promise<void>;
}

/** What the maintenance loop needs, given by the composition root. */
export interface MaintenanceDeps {
  db: Database;
  sql: Sql;
  store: ObjectStore;
  config: Config;
  logger: Logger;
}

/** One pass; stops between steps once `signal` aborts. */
export async function runMaintenancePass(services: MaintenanceDeps, signal?: AbortSignal): Promise<MaintenanceReport> {
  const { db, config, logger } = services;
  const report: MaintenanceReport = { swept: 0, deletedJobs: 0, abortedUploads: 0, trimmedEvents: 0, trimmedWebhookAttempts: 0 };
  const go = () => !signal?.aborted;

  for (let due = await dueDeletions(db, JOB_BATCH); go() && due.length > 0; due = due.length < JOB_BATCH ? [] : await dueDeletions(db, JOB_BATCH)) {
    for (const { jobId, final } of due) {
      await sweepJobFiles(services, jobId, final);
      report.swept += 1;
    }
  }

  let expired = await jobsToExpire(db, { limit: JOB_BATCH, abandonedAfterSeconds: config.abandonedUploadSeconds });
  while (go() && expired.length > 0) {
    for (const id of expired) {
      if (!(await deleteJob(services, null, id) instanceof Error)) report.deletedJobs += 1;
    }
    expired = expired.length < JOB_BATCH ? [] : await jobsToExpire(db, { limit: JOB_BATCH, abandonedAfterSeconds: config.abandonedUploadSeconds });
  }

  if (go()) {
    report.abortedUploads = await abortOrphanedUploads(services, { olderThanSeconds: config.abandonedUploadSeconds }).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not list multipart uploads to abort orphaned ones');
      return 0;
    });
  }

  const olderThanSeconds = config.historyRetentionSeconds;
  for (let trimmed = TRIM_BATCH_ROWS; go() && trimmed === TRIM_BATCH_ROWS; report.trimmedEvents += trimmed) {
    trimmed = await trimJobEvents(db, { olderThanSeconds });
  }
  for (let trimmed = TRIM_BATCH_ROWS; go() && trimmed === TRIM_BATCH_ROWS; report.trimmedWebhookAttempts += trimmed) {
    trimmed = await trimWebhookAttempts(db, { olderThanSeconds });
  }
  return report;
}

/** Starts the loop on every instance; only the leader runs passes. */
export function startMaintenance(services: MaintenanceDeps, options: { electionIntervalMs?: number } = {}): Maintenance {
  const logger = services.logger.child({ component: 'maintenance' });
  const intervalMs = services.config.maintenanceIntervalMs;
  const scoped = { ...services, logger };

  const election = startLeaderElection({
    sql: services.sql,
    logger,
    lockObject: MAINTENANCE_LOCK_OBJECT,
    role: 'maintenance loop',
    intervalMs: options.electionIntervalMs,
    async lead(signal) {
      while (!signal.aborted) {
        try {
          const report = await runMaintenancePass(scoped, signal);
          if (Object.values(report).some((count) => count > 0)) logger.info(report, 'maintenance pass');
        } catch (error) {
          if (!signal.aborted) logger.warn({ err: error }, 'maintenance pass failed; retrying at the next interval');
        }
        await sleep(intervalMs, signal);
      }
    },
  });

  return {
    isLeader: () => election.isLeader(),
    runOnce: () => runMaintenancePass(scoped),
    stop: () => election.stop(),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
