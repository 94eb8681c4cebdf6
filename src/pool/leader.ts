/**
 * One scheduler across all API instances: the one holding a PostgreSQL session advisory lock. The lock
 * lives on a connection reserved for it (a session lock on a pooled connection would follow that
 * connection to whoever borrows it next), so it goes the moment the leader's session ends, whether the
 * leader stops, crashes or is cut off. Standbys try for it every few seconds; the leader checks, more
 * often, that its session still holds it.
 *
 * The check runs on the pool, asking whether the reserved session's backend still holds the lock, and
 * never on the reserved connection itself: postgres.js neither reconnects a reserved connection nor
 * guards it once its socket is gone (a query on it then throws outside any promise, and releasing it
 * hands a dead connection to the pool), so a connection whose backend is gone is only ever abandoned.
 * A check that gets no answer changes nothing: without the database a leader cannot act anyway (every
 * scheduling pass reads the queue), and it cannot have been replaced while its session lives on.
 */
import type postgres from 'postgres';
import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';

/** The two-key advisory lock ('ffly', 1): two int4 keys appear as classid/objid in pg_locks. */
const LOCK_CLASS = 0x6666_6c79;
const LOCK_OBJECT = 1;
/** How long a check of the lock, or the unlock, may take before it counts as unanswered. */
const CHECK_TIMEOUT_MS = 5_000;

export interface LeaderElectionOptions {
  sql: Sql;
  logger: Logger;
  /**
   * Which leadership: the second key of the advisory lock ('ffly', n), so other one-at-a-time loops
   * (e.g. maintenance) elect their own leader with this mechanism. @default 1 (the scheduler)
   */
  lockObject?: number;
  /** Names the role in logs. @default 'scheduler' */
  role?: string;
  /** How often a standby tries for the lock; the leader checks it three times as often. @default 3000 */
  intervalMs?: number;
  /**
   * Runs while this instance leads; `signal` aborts when it stops leading. The lock is let go only
   * once the returned promise settles, so two leaders never act at once.
   */
  lead(signal: AbortSignal): Promise<void>;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Steps down (if leading) and stops trying. */
  stop(): Promise<void>;
}

interface Term {
  connection: postgres.ReservedSql;
  /** The backend of the reserved session, as pg_locks and pg_stat_activity name it. */
  backendPid: number;
  controller: AbortController;
  work: Promise<void>;
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { sql, logger } = options;
  const intervalMs = options.intervalMs ?? 3_000;
  const lockObject = options.lockObject ?? LOCK_OBJECT;
  const role = options.role ?? 'scheduler';
  let term: Term | null = null;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  let triedAt = -Infinity;

  async function step(): Promise<void> {
    if (stopped) return;
    if (term) {
      const state = await lockState(sql, term.backendPid, lockObject);
      if (state === 'unknown') logger.warn({ backendPid: term.backendPid }, `could not check the ${role} lock; still leading`);
      if (state === 'lost' || state === 'session-gone') await endTerm(`lost the ${role} lock`, state === 'lost' ? 'release' : 'abandon');
      return;
    }
    if (Date.now() - triedAt < intervalMs) return;
    triedAt = Date.now();
    const connection = await sql.reserve();
    // A failed query means a broken connection: abandoned (the pool recycles it), never released.
    const [row] = await connection<[{ acquired: boolean; pid: number }]>`
      select pg_try_advisory_lock(${LOCK_CLASS}::int, ${lockObject}::int) as acquired, pg_backend_pid() as pid`;
    if (!row?.acquired) return connection.release();
    const backendPid = row.pid;
    // The lock outlives a vanished leader until the server notices its session is dead: make that
    // seconds (TCP keepalives probing after 10 s idle), not the OS default of two hours.
    await connection`
      select set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false),
        set_config('tcp_keepalives_count', '3', false)`.catch((error: unknown) => logger.warn({ err: error }, 'could not shorten the keepalives of the leader session'));
    logger.info({ backendPid }, `this instance now leads the ${role}`);
    const controller = new AbortController();
    const work = options.lead(controller.signal).catch((error: unknown) => logger.error({ err: error }, `${role} leader failed`));
    term = { connection, backendPid, controller, work };
  }

  /**
   * `unlock`: stepping down by choice; the connection goes back to the pool once the unlock proved it
   * alive. `release`: the session lives but no longer holds the lock. `abandon`: its backend is gone.
   */
  async function endTerm(reason: string, connectionFate: 'unlock' | 'release' | 'abandon'): Promise<void> {
    const current = term;
    if (!current) return;
    term = null;
    logger.info({ reason }, `this instance no longer leads the ${role}`);
    current.controller.abort(new Error(reason));
    await current.work;
    if (connectionFate === 'abandon') return;
    if (connectionFate === 'release') return current.connection.release();
    const unlocked = current.connection`select pg_advisory_unlock(${LOCK_CLASS}::int, ${lockObject}::int)`.then(
      () => true,
      () => false,
    );
    if (await withTimeout(unlocked, CHECK_TIMEOUT_MS, () => false)) current.connection.release();
  }

  const tick = (): void => {
    pass = pass.then(step).catch((error: unknown) => logger.warn({ err: error }, `${role} leader election pass failed`));
  };
  // A leader that lost its session stands down before a standby is likely to have taken over, which
  // keeps any window with two leaders short (Fly leases guard each machine action meanwhile).
  const timer = setInterval(tick, Math.max(100, intervalMs / 3));
  timer.unref();
  tick();

  return {
    isLeader: () => term !== null,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
      await endTerm('shutting down', 'unlock');
    },
  };
}

/**
 * Asked through the pool: `held`; `lost` (the session lives without the lock); `session-gone` (its
 * backend no longer exists); `unknown` (no answer in time).
 */
type LockState = 'held' | 'lost' | 'session-gone' | 'unknown';

function lockState(sql: Sql, backendPid: number, lockObject: number): Promise<LockState> {
  const check: Promise<LockState> = sql<[{ held: boolean; alive: boolean }]>`
    select
      exists (
        select 1 from pg_locks
        where locktype = 'advisory' and classid = ${LOCK_CLASS} and objid = ${lockObject} and objsubid = 2
          and pid = ${backendPid} and granted
      ) as held,
      exists (select 1 from pg_stat_activity where pid = ${backendPid}) as alive`.then(
    ([row]) => (row?.held ? 'held' : row?.alive ? 'lost' : 'session-gone'),
    () => 'unknown',
  );
  return withTimeout(check, CHECK_TIMEOUT_MS, () => 'unknown' as const);
}
