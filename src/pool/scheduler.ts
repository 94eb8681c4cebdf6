/**
 * The worker-pool scheduler of one API instance: given the Machines API (real, standalone emulator or
 * in-process emulator; see fly-api.ts), it competes for leadership once started, and while leading
 * keeps the pool sized to the queue. Every instance can answer `Query.machines` (from the moment it is
 * built, before it serves) and take lost-machine reports.
 */
import type { Database, Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { type JobListener, type ListenConnection, publishLostMachine } from '../realtime/index.js';
import type { FlyApi } from './fly-api.js';
import { startLeaderElection } from './leader.js';
import { type LeaderTerm, startLeaderTerm } from './leader-term.js';
import { buildWorkerConfig, POOL_METADATA_KEY, POOL_NAME, type WorkerConfigInput } from './worker-config.js';
import { type WorkerImageSnapshot, WorkerImageStatus } from './worker-image.js';

/** How long a standby reuses its own listing of the pool for `Query.machines`. */
const STANDBY_LIST_TTL_MS = 5_000;

export interface WorkerMachine {
  id: string;
  state: string;
}

export interface SchedulerOptions {
  /** How often the leader re-reads the pool from the Machines API. @default 2000 */
  reconcileIntervalMs?: number;
  /** How often a standby tries to take over (and the leader re-checks its lock). @default 3000 */
  electionIntervalMs?: number;
}

/** What the scheduler needs, given by the composition root. */
export interface SchedulerDeps {
  db: Database;
  sql: Sql;
  logger: Logger;
  /** Job changes: a QUEUED job triggers a pass. */
  jobs: JobListener;
  /** The instance's LISTEN session, for lost-machine reports from standbys. */
  listen: ListenConnection;
  /** The Machines API of the worker app; closed by {@link Scheduler.stop}. */
  fly: FlyApi;
  /** `MAX_MACHINES` (above 0: a paused pool is {@link pausedScheduler}). */
  maxMachines: number;
  region: string | null;
  leaseMs: number;
  /** Every worker machine's config but the API address, which is known once the API listens. */
  worker: Omit<WorkerConfigInput, 'apiUrl'>;
}

export interface Scheduler {
  /** False when `MAX_MACHINES=0` pauses scheduling: nothing runs and jobs wait in QUEUED. */
  readonly enabled: boolean;
  /** The Machines API in use; null when disabled. */
  readonly fly: FlyApi | null;
  isLeader(): boolean;
  /** Whether the worker image is known to be gone, and how many creates were refused for it (a counter). */
  workerImage(): WorkerImageSnapshot | null;
  /** The pool: the leader's own view, or a short-lived listing from the API on a standby. */
  machines(): Promise<WorkerMachine[]>;
  /** The lease reaper's report that a job was lost on `machineId`. */
  reportLostMachine(machineId: string | null, jobId: string): void;
  /** The leader runs a pass (refreshing the pool) now and resolves when it is done; a no-op on standbys. */
  reconcileNow(): Promise<void>;
  /** Starts competing for leadership, with workers reaching the API at `workerApiUrl`; once. */
  start(workerApiUrl: string): void;
  stop(): Promise<void>;
}

/** The scheduler when `MAX_MACHINES=0` pauses scheduling: nothing runs and queued jobs wait. */
export function pausedScheduler(logger: Logger): Scheduler {
  return {
    enabled: false,
    fly: null,
    isLeader: () => false,
    workerImage: () => null,
    machines: async () => [],
    reportLostMachine: () => {},
    reconcileNow: async () => {},
    start: () => logger.child({ component: 'scheduler' }).info('MAX_MACHINES=0: scheduling is paused and queued jobs wait'),
    stop: async () => {},
  };
}

/** Builds the scheduler; until {@link Scheduler.start} it only answers `machines()` from the API. */
export function createScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): Scheduler {
  const { fly } = deps;
  const logger = deps.logger.child({ component: 'scheduler' });
  const image = new WorkerImageStatus(deps.worker.image);
  let term: LeaderTerm | null = null;
  let election: ReturnType<typeof startLeaderElection> | null = null;

  function start(workerApiUrl: string): void {
    if (election) return;
    const worker = buildWorkerConfig({ ...deps.worker, apiUrl: workerApiUrl });
    logger.info({ fly: fly.kind, app: fly.client.appName, maxMachines: deps.maxMachines, configVersion: worker.version }, 'scheduler started');
    election = startLeaderElection({
      sql: deps.sql,
      logger,
      intervalMs: options.electionIntervalMs,
      async lead(signal) {
        const current = startLeaderTerm(
          {
            db: deps.db,
            jobs: deps.jobs,
            listen: deps.listen,
            client: fly.client,
            logger,
            worker,
            image,
            maxMachines: deps.maxMachines,
            region: deps.region,
            leaseMs: deps.leaseMs,
            reconcileIntervalMs: options.reconcileIntervalMs ?? 2_000,
          },
          signal,
        );
        term = current;
        await current.finished;
        if (term === current) term = null;
      },
    });
  }

  let standbyList: { at: number; machines: Promise<WorkerMachine[]> } | null = null;
  const listFromApi = (): Promise<WorkerMachine[]> => {
    if (standbyList && Date.now() - standbyList.at < STANDBY_LIST_TTL_MS) return standbyList.machines;
    const machines = fly.client
      .listMachines({ metadata: { [POOL_METADATA_KEY]: POOL_NAME } })
      .then((listed) => listed.map(({ id, state }) => ({ id, state })));
    standbyList = { at: Date.now(), machines };
    // A failed listing is not cached: the next query tries again.
    machines.catch(() => {
      if (standbyList?.machines === machines) standbyList = null;
    });
    return machines;
  };

  return {
    enabled: true,
    fly,
    isLeader: () => election?.isLeader() ?? false,
    workerImage: () => image.snapshot(),
    machines: async () => term?.view.machines().map(({ id, state }) => ({ id, state })) ?? listFromApi(),
    reportLostMachine(machineId, jobId) {
      if (machineId === null) return;
      if (term) return term.reportLostMachine({ machineId, jobId });
      publishLostMachine(deps.sql, { machineId, jobId }).catch((error: unknown) =>
        logger.warn({ err: error, machineId, jobId }, 'could not pass a lost-machine report to the leader'),
      );
    },
    reconcileNow: async () => term?.reconcileNow(),
    start,
    async stop() {
      await election?.stop();
      await fly.close();
      logger.info('scheduler stopped');
    },
  };
}
