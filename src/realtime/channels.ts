/**
 * Every NOTIFY channel ffly uses, in one place. Each API instance LISTENs on all of them through its
 * one heartbeat-checked session (listen-connection.ts).
 */

/** Job changes: batches of `[topic, detail]` events (notification-batch.ts), from job SQL and the outbox. */
export const JOB_CHANNEL = 'ffly_job_updated';

/**
 * A webhook delivery became due. Notified by the `webhook_deliveries` insert trigger (drizzle
 * migration `0002_webhook_trigger.sql`, whose payload nobody reads): the deliverer
 * only wakes up and reads the table.
 */
export const WEBHOOK_CHANNEL = 'ffly_webhook_due';

/** A standby's report that a job was lost on a machine, for the pool's leader (lost-machines.ts). */
export const MACHINE_LOST_CHANNEL = 'ffly_machine_lost';

/** The LISTEN session's own liveness pings; no subscriber ever sees them. */
export const HEARTBEAT_CHANNEL = 'ffly_heartbeat';
