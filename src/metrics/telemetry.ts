import type { FlyCall } from '../fly/index.js';

/** How a webhook attempt ended: delivered, failed but retried later, or failed for good. */
export type WebhookOutcome = 'delivered' | 'retrying' | 'failed';

/**
 * The events the rest of the process reports for metrics: plain calls, so no module but
 * src/metrics/ knows about prom-client. Nothing here carries a tenant id or a job id.
 */
export interface Telemetry {
  /** A job was claimed: `queuedAt` is when it (last) became QUEUED. */
  jobClaimed(job: { queuedAt: Date | null }): void;
  /** A job reached a terminal status through its worker (COMPLETED, FAILED). */
  jobFinished(job: { status: string; startedAt: Date | null; finishedAt: Date | null }): void;
  /** A worker's progress report: ffmpeg's speed (1 = real time), when it gave one. */
  progressReported(speed: number | null): void;
  webhookAttempted(outcome: WebhookOutcome): void;
  /** One HTTP attempt to the Fly Machines API (the Fly client's `onCall`). */
  flyCall(call: FlyCall): void;
  /** One HTTP request served: `route` is the route's pattern (never a path with ids in it). */
  httpRequest(request: { route: string; operation: string; status: number; seconds: number }): void;
}

/** Reports nowhere: for code run without a metrics registry (tests of single modules, benches). */
export const NO_TELEMETRY: Telemetry = {
  jobClaimed: () => {},
  jobFinished: () => {},
  progressReported: () => {},
  webhookAttempted: () => {},
  flyCall: () => {},
  httpRequest: () => {},
};
