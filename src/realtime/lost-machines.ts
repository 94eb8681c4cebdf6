/**
 * Every API instance runs a lease reaper, but only the pool's leader may act on machines. A standby's
 * reaper hands its "job lost on machine X" reports to the leader over a NOTIFY channel. Best effort by
 * design: a report lost in a leadership change or a LISTEN reconnect costs little, because a machine
 * that crashed is caught by its exit code whenever the pool considers starting it again (so a resync
 * has nothing to re-read).
 */
import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { MACHINE_LOST_CHANNEL } from './channels.js';
import type { ListenConnection } from './listen-connection.js';

export interface LostMachineReport {
  machineId: string;
  jobId: string;
}

export async function publishLostMachine(sql: Sql, report: LostMachineReport): Promise<void> {
  await sql`select pg_notify(${MACHINE_LOST_CHANNEL}, ${JSON.stringify(report)})`;
}

/** Calls `onReport` for every report any instance publishes; resolves to the function that stops it. */
export function listenForLostMachines(connection: ListenConnection, logger: Logger, onReport: (report: LostMachineReport) => void): Promise<() => Promise<void>> {
  return connection.subscribe(MACHINE_LOST_CHANNEL, {
    onPayload(payload) {
      try {
        const report = JSON.parse(payload) as Partial<LostMachineReport>;
        if (typeof report.machineId === 'string' && typeof report.jobId === 'string') onReport({ machineId: report.machineId, jobId: report.jobId });
      } catch {
        logger.warn('ignoring a malformed lost-machine report');
      }
    },
    onResync() {},
  });
}
