import { createPubSub, type PubSub } from 'graphql-yoga';
import { JOB_CHANNEL, JOB_ROUTING_KEY, jobChangeOf, jobTopic, type JobChange } from './job-notifications.js';
import type { ListenHealth } from './listen-connection.js';
import { createPostgresEventTarget, type PostgresEventTargetOptions } from './pubsub.js';
import type { Job } from '../db/schema.js';

export type { JobChange };

/** Called with a change of one job, or with null when changes may have been missed (a reconnect). */
export type JobChangeListener = (change: JobChange | null) => void;

/** yoga's PubSub of job changes: `subscribe('jobUpdated', id)` yields hints (null: re-read, see above). */
export type JobPubSub = PubSub<{ [JOB_ROUTING_KEY]: [jobId: string, change: JobChange | null] }>;

export interface JobListener {
  /** Job changes from every API instance, as yoga's PubSub. */
  pubsub: JobPubSub;
  /** Listens to one job's changes; returns the function that stops listening. */
  watch(jobId: string, listener: JobChangeListener): () => void;
  /** Listens to every job's changes (e.g. claimers waiting for a job to become QUEUED). */
  watchAll(listener: JobChangeListener): () => void;
  /**
   * Announces a change that is already committed and may be coalesced (progress): at most one per job
   * per 200 ms, batched with other jobs' into one notifying commit. Status changes must not come here:
   * they notify inside their own transaction (`notifyJobChanged`), so none is ever merged away.
   */
  announce(job: Pick<Job, 'id' | 'version' | 'status'>): void;
  /** The LISTEN session's health, for metrics. */
  health(): ListenHealth;
  /** Runs `callback` when the listener closes (a subscription ends then); returns the unregistering function. */
  onClose(callback: () => void): () => void;
  /** Sends the progress still held back, ends what registered with `onClose`, stops listening. */
  close(): Promise<void>;
}

export type JobListenerOptions = Pick<
  PostgresEventTargetOptions,
  'connection' | 'sql' | 'logger' | 'topicIntervalMs' | 'flushIntervalMs'
>;

/**
 * The instance's LISTEN session fans job notifications out to this instance's subscribers, through
 * the PostgreSQL event target (pubsub.ts). Notifications carry ids and versions only.
 */
export async function startJobListener(options: JobListenerOptions): Promise<JobListener> {
  const eventTarget = await createPostgresEventTarget({ ...options, channel: JOB_CHANNEL });
  const pubsub: JobPubSub = createPubSub({ eventTarget });
  const closers = new Set<() => void>();

  const listen = (topic: string, listener: JobChangeListener) => {
    const callback = (event: Event) => listener((event as CustomEvent<JobChange | null>).detail);
    eventTarget.addEventListener(topic, callback);
    return () => eventTarget.removeEventListener(topic, callback);
  };

  return {
    pubsub,
    watch: (jobId, listener) => listen(jobTopic(jobId), listener),
    watchAll: (listener) => listen(JOB_ROUTING_KEY, listener),
    health: () => eventTarget.health(),
    announce: (job) => pubsub.publish(JOB_ROUTING_KEY, job.id, jobChangeOf(job)),
    onClose(callback) {
      closers.add(callback);
      return () => closers.delete(callback);
    },
    async close() {
      for (const callback of [...closers]) callback();
      closers.clear();
      await eventTarget.close();
    },
  };
}
