/**
 * The realtime bus: every LISTEN and NOTIFY of ffly goes through here. One heartbeat-checked LISTEN
 * session per API instance carries every channel (channels.ts) and tells each subscriber to resync
 * after a loss; the payloads are built here too (job changes, lost-machine reports).
 */
import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { startJobListener, type JobListener } from './job-listener.js';
import { openListenConnection, type ListenConnection, type ListenConnectionOptions } from './listen-connection.js';

export { HEARTBEAT_CHANNEL, JOB_CHANNEL, MACHINE_LOST_CHANNEL, WEBHOOK_CHANNEL } from './channels.js';
export { type JobChange, type JobChangeListener, type JobListener, type JobPubSub, startJobListener } from './job-listener.js';
export { jobChangedNotification, jobChangedNotifyExpression, jobChangeEvent, jobChangeOf, JOB_ROUTING_KEY, jobTopic } from './job-notifications.js';
export { type ChannelSubscriber, type ListenConnection, openListenConnection } from './listen-connection.js';
export { listenForLostMachines, type LostMachineReport, publishLostMachine } from './lost-machines.js';

export interface Realtime {
  /** The instance's LISTEN session, for every channel. */
  connection: ListenConnection;
  /** Job changes from every instance, and the outbox for this instance's progress. */
  jobs: JobListener;
  /** Sends the progress still held back, then ends the LISTEN session. */
  close(): Promise<void>;
}

export type RealtimeOptions = Pick<ListenConnectionOptions, 'url' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'> & {
  /** The instance's pool: it sends every NOTIFY. */
  sql: Sql;
  logger: Logger;
};

/** Opens the instance's LISTEN session and the job listener on it. */
export async function startRealtime(options: RealtimeOptions): Promise<Realtime> {
  const connection = await openListenConnection({ ...options, publisher: options.sql });
  try {
    const jobs = await startJobListener({ connection, sql: options.sql, logger: options.logger });
    return {
      connection,
      jobs,
      async close() {
        await jobs.close();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
