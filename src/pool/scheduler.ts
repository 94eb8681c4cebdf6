/**
 * The worker-pool scheduler of one API instance: it connects to the Machines API (real, standalone
 * emulator or in-process emulator), competes for leadership, and while leading keeps the pool sized
 * to the queue. Every instance can answer `Query.machines` and take lost-machine reports.
 */
import { reachableLocalUrl } from '../config/load-config.js';
import type { Services } from '../services.js';
import { machineCredential } from '../workers/credentials.js';
import type { FlyClientOptions } from '../fly/client.js';
import { connectFlyApi, type FlyApi } from './fly-api.js';
import { startLeaderElection } from './leader.js';
import { type LeaderTerm, startLeaderTerm } from './leader-term.js';
import { publishLostMachine } from './lost-machine-reports.js';
import { buildWorkerConfig, POOL_METADATA_KEY, POOL_NAME } from './worker-config.js';
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
  /** Overrides for the Machines API client (tests, benchmarks). */
  client?: Partial<FlyClientOptions>;
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
  stop(): Promise<void>;
}

const DISABLED: Scheduler = {
  enabled: false,
  fly: null,
  isLeader: () => false,
  workerImage: () => null,
  machines: async () => [],
  reportLostMachine: () => {},
  reconcileNow: async () => {},
  stop: async () => {},
};

/** Starts the scheduler, and sets `services.machines` to its view of the pool. */
export async function startScheduler(context: { services: Services; url: string; workerUrl?: string }, options: SchedulerOptions = {}): Promise<Scheduler> {
  const { services } = context;
  const { config } = services;
  const logger = services.logger.child({ component: 'scheduler' });
  if (config.maxMachines === 0) {
    logger.info('MAX_MACHINES=0: scheduling is paused and queued jobs wait');
    return DISABLED;
  }
  const fly = await connectFlyApi(config, services.logger, options.client);
  const worker = buildWorkerConfig({
    image: config.fly.workerImage,
    guest: config.fly.workerGuest,
    rootfsGb: config.fly.workerRootfsGb,
    apiUrl: config.workerApiUrl ?? reachableLocalUrl(context.workerUrl ?? context.url),
    credential: machineCredential(services.signingKey),
    idleMs: config.workerIdleMs,
  });
  const image = new WorkerImageStatus(config.fly.workerImage);
  logger.info({ fly: fly.kind, app: fly.client.appName, maxMachines: config.maxMachines, configVersion: worker.version }, 'scheduler started');

  let term: LeaderTerm | null = null;
  const election = startLeaderElection({
    sql: services.sql,
    logger,
    intervalMs: options.electionIntervalMs,
    async lead(signal) {
      const current = startLeaderTerm(
        {
          db: services.db,
          sql: services.sql,
          jobListener: services.jobListener,
          client: fly.client,
          logger,
          worker,
          image,
          maxMachines: config.maxMachines,
          region: config.fly.region,
          leaseMs: config.leaseMs,
          reconcileIntervalMs: options.reconcileIntervalMs ?? 2_000,
        },
        signal,
      );
      term = current;
      await current.finished;
      if (term === current) term = null;
    },
  });

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

  const scheduler: Scheduler = {
    enabled: true,
    fly,
    isLeader: () => election.isLeader(),
    workerImage: () => image.snapshot(),
    machines: async () => term?.view.machines().map(({ id, state }) => ({ id, state })) ?? listFromApi(),
    reportLostMachine(machineId, jobId) {
      if (machineId === null) return;
      if (term) return term.reportLostMachine({ machineId, jobId });
      publishLostMachine(services.sql, { machineId, jobId }).catch((error: unknown) =>
        logger.warn({ err: error, machineId, jobId }, 'could not pass a lost-machine report to the leader'),
      );
    },
    reconcileNow: async () => term?.reconcileNow(),
    async stop() {
      await election.stop();
      await fly.close();
      logger.info('scheduler stopped');
    },
  };
  services.machines = { list: () => scheduler.machines() };
  return scheduler;
}
