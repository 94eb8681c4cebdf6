import { type Scheduler, startScheduler } from './pool/index.js';
import type { BackgroundContext } from './background-context.js';
import { startWebhookDeliverer } from './webhooks/deliverer.js';
import { startLeaseReaper } from './workers/lease-reaper.js';

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
