import type { Logger } from '../logger.js';
import type { Sql } from './client.js';
import { JOB_CHANNEL } from './jobs.js';

export interface JobChange {
  id: string;
  version: number;
  status: string;
}

/** Called with a change of one job, or with null when changes may have been missed (a reconnect). */
export type JobChangeListener = (change: JobChange | null) => void;

export interface JobListener {
  /** Listens to one job's changes; returns the function that stops listening. */
  watch(jobId: string, listener: JobChangeListener): () => void;
  /** Listens to every job's changes (e.g. claimers waiting for a job to become QUEUED). */
  watchAll(listener: JobChangeListener): () => void;
  close(): Promise<void>;
}

/**
 * One LISTEN connection per API instance fans job notifications out to this instance's subscribers.
 * Notifications carry ids and versions only; subscribers read the row. When the connection is
 * re-established every watcher is told (null) to re-read, so nothing that happened meanwhile is lost.
 */
export async function startJobListener(sql: Sql, logger: Logger): Promise<JobListener> {
  const watchers = new Map<string, Set<JobChangeListener>>();
  const allWatchers = new Set<JobChangeListener>();
  let connectedOnce = false;
  const subscription = await sql.listen(
    JOB_CHANNEL,
    (payload) => {
      let change: JobChange;
      try {
        change = JSON.parse(payload) as JobChange;
      } catch {
        return logger.warn({ payload }, 'ignoring a malformed job notification');
      }
      for (const listener of watchers.get(change.id) ?? []) listener(change);
      for (const listener of allWatchers) listener(change);
    },
    () => {
      if (connectedOnce) {
        logger.info('job listener reconnected; resynchronising subscribers');
        for (const listeners of watchers.values()) for (const listener of listeners) listener(null);
        for (const listener of allWatchers) listener(null);
      }
      connectedOnce = true;
    },
  );

  return {
    watch(jobId, listener) {
      let listeners = watchers.get(jobId);
      if (!listeners) watchers.set(jobId, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) watchers.delete(jobId);
      };
    },
    watchAll(listener) {
      allWatchers.add(listener);
      return () => allWatchers.delete(listener);
    },
    async close() {
      for (const listener of allWatchers) listener(null);
      allWatchers.clear();
      for (const listeners of watchers.values()) for (const listener of listeners) listener(null);
      watchers.clear();
      await subscription.unlisten();
    },
  };
}
