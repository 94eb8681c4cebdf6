import type { Scheduler } from './pool/index.js';
import { startMaintenance, type MaintenanceDeps } from './maintenance/maintenance.js';
import { startWebhookDeliverer, type WebhookDelivererDeps } from './webhooks/deliverer.js';
import { startLeaseReaper } from './workers/lease-reaper.js';

/** What the loops need, besides the scheduler the composition root built before serving. */
export interface BackgroundDeps extends WebhookDelivererDeps, MaintenanceDeps {
  config: WebhookDelivererDeps['config'] & Parameters<typeof startLeaseReaper>[0]['config'] & MaintenanceDeps['config'];
  scheduler: Scheduler;
  /** Where workers reach this instance: `WORKER_API_URL`, else its own (or its `WORKER_PORT`) URL. */
  workerApiUrl: string;
}

/**
 * Starts the loops every API instance runs beside the HTTP server, after it listens. Each loop is
 * one line here; they stop in reverse order.
 */
export async function startBackgroundServices(deps: BackgroundDeps) {
  const { scheduler } = deps;
  // A job lost on a machine makes the scheduler check that machine before it gets more work.
  const leaseReaper = startLeaseReaper(deps, { onLost: (job, machineId) => scheduler.reportLostMachine(machineId, job.id) });
  scheduler.start(deps.workerApiUrl);
  const webhookDeliverer = await startWebhookDeliverer(deps).catch(async (error: unknown) => {
    await leaseReaper.stop();
    throw error; // the composition root stops the scheduler it built
  });
  const loops = { leaseReaper, scheduler, webhookDeliverer, maintenance: startMaintenance(deps) };
  return {
    ...loops,
    async stop(): Promise<void> {
      for (const loop of Object.values(loops).reverse()) await loop.stop();
    },
  };
}

export type BackgroundServices = Awaited<ReturnType<typeof startBackgroundServices>>;
