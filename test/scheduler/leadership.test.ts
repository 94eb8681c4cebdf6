import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { waitFor } from '../support/worker.js';
import { queryMachines, startSharedEmulator, EMULATOR_TOKEN } from './helpers.js';

/** The backend holding the scheduler's advisory lock ('ffly', 1). */
const LOCK_HOLDER = `select pid from pg_locks where locktype = 'advisory' and classid = ${0x6666_6c79} and objid = 1 and granted`;

describe('two API instances on one database', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    emulator = await startSharedEmulator({ rateLimits: false });
    database = await createTestDatabase();
    const env = { MAX_MACHINES: '1', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN };
    first = await startTestApp(env, { databaseUrl: database.url });
    second = await startTestApp(env, { databaseUrl: database.url });
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
    await emulator?.cleanup();
  });

  const leaders = () => [first, second].filter((app) => app.server.background.scheduler.isLeader());
  const oneLeader = () => waitFor(async () => (leaders().length === 1 ? leaders()[0] : undefined), 10_000, 'exactly one leader');
  const lockHolder = async () => (await first.server.services.sql.unsafe(LOCK_HOLDER))[0]?.pid as number | undefined;

  it('elect exactly one scheduler leader; the standby answers Query.machines from the API', async () => {
    const leader = await oneLeader();
    // Past a standby's retry interval, still exactly one.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(leaders()).toEqual([leader]);
    expect(await queryMachines(leader === first ? second : first)).toEqual([]);
  });

  it('notice when the leader\'s database session is gone, and elect a leader again', async () => {
    const before = await lockHolder();
    await first.server.services.sql`select pg_terminate_backend(${before!})`;

    await waitFor(async () => {
      const holder = await lockHolder();
      return holder !== undefined && holder !== before && leaders().length === 1 ? true : undefined;
    }, 10_000, 'a new lock holder');
  });

  it('hand over to the standby when the leader stops', async () => {
    const leader = await oneLeader();
    const standby = leader === first ? second : first;

    await leader.stop();

    await waitFor(async () => (standby.server.background.scheduler.isLeader() ? true : undefined), 10_000, 'the standby to take over');
  });
});
