import { type Scheduler, startScheduler } from './fly/scheduler/index.js';
import type { Services } from './services.js';
import { startWebhookDeliverer } from './webhooks/deliverer.js';
import { startLeaseReaper } from './workers/lease-reaper.js';

/** What background loops get: the process's services and the URL this instance listens on. */
export interface BackgroundContext {
  services: Services;
  /** This instance's own URL (the default base of links for clients). */
  url: string;
  /** Where workers reach this instance when `WORKER_API_URL` is unset: `url`, or the `WORKER_PORT` listener. */
  workerUrl?: string;
}

/**
 * Starts the loops every API instance runs beside the HTTP server, after it listens. Each loop is
 * one line here; they stop in reverse order.
 */
export async function startBackgroundServices(context: BackgroundContext) {
  let scheduler: Scheduler | undefined;
  // A job lost on a machine makes the scheduler check that machine before it gets more work.
  const leaseReaper = startLeaseReaper(context.services, { onLost: (job, machineId) => scheduler?.reportLostMachine(machineId, job.id) });
  scheduler = await startScheduler(context);
  const loops = { leaseReaper, scheduler, webhookDeliverer: await startWebhookDeliverer(context) };
  return {
    ...loops,
    async stop(): Promise<void> {
      for (const loop of Object.values(loops).reverse()) await loop.stop();
    },
  };
}

export type BackgroundServices = Awaited<ReturnType<typeof startBackgroundServices>>;
