import { createPubSub } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { type ListenConnection, openListenConnection } from '../../src/realtime/listen-connection.js';
import { createPostgresEventTarget, type PostgresEventTarget } from '../../src/realtime/pubsub.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDatabase } from '../support/database.js';

type Events = { jobUpdated: [id: string, detail: { version: number } | null] };

describe('the PostgreSQL event target', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: DatabaseHandle;
  const targets: PostgresEventTarget[] = [];
  const connections: ListenConnection[] = [];
  const start = async () => {
    // A LISTEN session of its own, as each API instance has.
    const connection = await openListenConnection({ url: database.url, publisher: pool.sql, logger: silentLogger() });
    const target = await createPostgresEventTarget({ connection, sql: pool.sql, channel: 'test_events', logger: silentLogger() });
    targets.push(target);
    connections.push(connection);
    return { target, pubsub: createPubSub<Events>({ eventTarget: target }) };
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    // The pool as the API builds it (drizzle changes how postgres.js serialises some parameters).
    pool = connectDatabase(database.url, { max: 4 });
  });
  afterAll(async () => {
    for (const target of targets) await target.close();
    for (const connection of connections) await connection.close();
    await pool.close();
    await database.drop();
  });

  it("carries yoga PubSub events to another instance's subscribers, and to its own exactly once", async () => {
    const a = await start();
    const b = await start();
    const onA = a.pubsub.subscribe('jobUpdated', 'job-1');
    const onB = b.pubsub.subscribe('jobUpdated', 'job-1');
    const [nextA, nextB] = [onA.next(), onB.next()];
    const published = Date.now();
    a.pubsub.publish('jobUpdated', 'job-1', { version: 1 });
    expect((await nextA).value).toEqual({ version: 1 });
    expect((await nextB).value).toEqual({ version: 1 });
    // The very first commit of a fresh pool goes through (no retry after a failure).
    expect(Date.now() - published).toBeLessThan(500);
    // Had A also delivered the echo of its own batch, this would resolve with version 1 again.
    const secondA = onA.next();
    a.pubsub.publish('jobUpdated', 'job-1', { version: 2 });
    expect((await secondA).value).toEqual({ version: 2 });
    await Promise.all([onA.return(), onB.return()]);
  });

  it('delivers every id of a routing key to a listener of the routing key alone', async () => {
    const a = await start();
    const b = await start();
    const seen: string[] = [];
    // Earlier tests' targets may still be sending: only this test's jobs count.
    b.target.addEventListener('jobUpdated', (event) => void (/job-[23]$/.test(event.type) && seen.push(event.type)));
    a.pubsub.publish('jobUpdated', 'job-2', { version: 1 });
    a.pubsub.publish('jobUpdated', 'job-3', { version: 1 });
    await expect.poll(() => seen.sort()).toEqual(['jobUpdated:job-2', 'jobUpdated:job-3']);
  });

  it('tells every listener to re-read (detail null) once LISTEN is back after a loss', async () => {
    const { pubsub } = await start();
    const hints = pubsub.subscribe('jobUpdated', 'job-4');
    const next = hints.next();
    await pool.sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and query ilike 'listen "test_events"'`;
    expect((await next).value).toBeNull();
    await hints.return();
  });
});
