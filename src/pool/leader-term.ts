/**
 * What the scheduler does while this instance leads: scheduling passes, triggered by a NOTIFY of a
 * QUEUED job (low latency, no Fly API call unless machines must start), by a timer that re-reads the
 * pool from the API every few seconds (slower after failures, e.g. 429s), and by dead-machine checks.
 * Passes never overlap: requests made during one coalesce into a single next pass.
 */
import { backoffDelay } from '../../protocol/backoff.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { type JobListener, type ListenConnection, listenForLostMachines, type LostMachineReport } from '../realtime/index.js';
import type { FlyClient } from '../fly/client-types.js';
import { isFlyApiError } from '../fly/errors.js';
import { handleLostMachine } from './dead-machine.js';
import { PoolView } from './pool-view.js';
import { reconcilePool } from './reconcile.js';
import type { WorkerConfig } from './worker-config.js';
import type { WorkerImageStatus } from './worker-image.js';

/** After a pass that left something undone (a lease held elsewhere, a machine still stopping). */
const RETRY_SOON_MS = 1_000;
/** Longest pause between pool refreshes while the API keeps failing. */
const MAX_BACKOFF_MS = 30_000;

export interface LeaderTermDeps {
  db: Database;
  jobs: JobListener;
  /** The instance's LISTEN session, for lost-machine reports from standbys. */
  listen: ListenConnection;
  client: FlyClient;
  logger: Logger;
  worker: WorkerConfig;
  /** Shared by every term of this process: a missing image stays missing across leadership changes. */
  image: WorkerImageStatus;
  maxMachines: number;
  region: string | null;
  leaseMs: number;
  /** How often the pool is re-read from the API. */
  reconcileIntervalMs: number;
}

export interface LeaderTerm {
  view: PoolView;
  /** A job was lost on this machine: check it before it gets more work. */
  reportLostMachine(report: LostMachineReport): void;
  /** Runs a pass that re-reads the pool, and resolves once it is done. */
  reconcileNow(): Promise<void>;
  /** Settles once the term is over: `signal` aborted and everything in flight wound down. */
  finished: Promise<void>;
}

export function startLeaderTerm(deps: LeaderTermDeps, signal: AbortSignal): LeaderTerm {
  const { logger } = deps;
  const view = new PoolView();
  const held = new Set<string>();
  const checks = new Set<Promise<void>>();
  const reconcileDeps = { ...deps, view, held };
  let pending: 'fast' | 'refresh' | null = null;
  let draining: Promise<void> | null = null;
  let failures = 0;
  let nextRefreshAt = 0;
  let timer: NodeJS.Timeout | undefined;

  function request(kind: 'fast' | 'refresh'): void {
    if (signal.aborted) return;
    pending = pending === 'refresh' ? 'refresh' : kind;
    draining ??= drain().finally(() => (draining = null));
  }

  async function drain(): Promise<void> {
    while (pending !== null && !signal.aborted) {
      // A fast pass trusts the view, unless it is due for a refresh anyway.
      const refresh = pending === 'refresh' || Date.now() >= nextRefreshAt;
      pending = null;
      let retrySoon = false;
      try {
        retrySoon = (await reconcilePool(reconcileDeps, { refresh, signal })).unfinished;
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const rateLimited = isFlyApiError(error, 429);
        logger.warn({ err: error, failures }, rateLimited ? 'Fly API rate limit reached: scheduling slows down' : 'scheduling pass failed; retrying');
      }
      // Failing passes back off (exponentially, with jitter) from the refresh interval up to MAX_BACKOFF_MS.
      const backoff = { baseMs: deps.reconcileIntervalMs, maxMs: Math.max(MAX_BACKOFF_MS, deps.reconcileIntervalMs) };
      const delay = retrySoon ? RETRY_SOON_MS : failures === 0 ? deps.reconcileIntervalMs : backoffDelay(failures, backoff);
      if (refresh || retrySoon || failures > 0) nextRefreshAt = Date.now() + delay;
      clearTimeout(timer);
      timer = setTimeout(() => request('refresh'), Math.max(0, nextRefreshAt - Date.now()));
      timer.unref();
    }
  }

  function reportLostMachine(report: LostMachineReport): void {
    if (signal.aborted || held.has(report.machineId)) return;
    held.add(report.machineId);
    const jobLogger = logger.child({ jobId: report.jobId });
    const machineId = report.machineId;
    const check = handleLostMachine({ ...deps, logger: jobLogger, view }, machineId, signal)
      .then((verdict) => jobLogger.info({ machineId, verdict }, 'checked the machine of a lost job'))
      .catch((error: unknown) => {
        if (!signal.aborted) jobLogger.warn({ err: error, machineId }, 'could not check the machine of a lost job');
      })
      .finally(() => {
        held.delete(report.machineId);
        checks.delete(check);
        request('refresh');
      });
    checks.add(check);
  }

  const finished = (async () => {
    const unwatch = deps.jobs.watchAll((change) => {
      // null: notifications may have been missed (a reconnect); a pass re-reads everything anyway.
      if (change === null || change.status === 'QUEUED') request('fast');
    });
    const unlisten = await listenForLostMachines(deps.listen, logger, reportLostMachine).catch((error: unknown) => {
      logger.warn({ err: error }, 'not listening for lost-machine reports of other instances');
      return async () => {};
    });
    request('refresh');
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    clearTimeout(timer);
    unwatch();
    await unlisten().catch(() => {});
    await draining;
    await Promise.all(checks);
  })();

  return {
    view,
    reportLostMachine,
    async reconcileNow() {
      request('refresh');
      await draining;
    },
    finished,
  };
}
