import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/logger.js';
import { findFreePort } from '../../src/net/free-port.js';
import { TEST_KEYS, useTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { subscribeOverWebSocket } from './support/subscribers.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { createWorkerDriver, sleep } from './support/worker-driver.js';

/** A RUNNING job with a subscriber that has seen it run. */
async function runningJobWithSubscriber(app: TestApp) {
  const worker = createWorkerDriver(app);
  const id = await worker.queueJob(app);
  const subscriber = subscribeOverWebSocket({ url: () => app.url, jobId: id, key: TEST_KEYS[0] });
  onTestFinished(() => subscriber.close());
  const claimed = await worker.claim(app.url, id);
  await subscriber.until((event) => event.status === 'RUNNING');
  return { worker, subscriber, claimed };
}

const listenerBackends = (app: TestApp) =>
  app.server.services.sql<Array<{ pid: number }>>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = 'ffly-listener' and query ilike 'listen%'`;

describe('the job listener', () => {
  it('still delivers the terminal event when its backend is terminated', async () => {
    const app = await useTestApp();
    const { worker, subscriber, claimed } = await runningJobWithSubscriber(app);
    const [listener] = await listenerBackends(app);
    expect(listener).toBeDefined();
    await app.server.services.sql`select pg_terminate_backend(${listener!.pid})`;
    // Sent while the session is gone or coming back: the resynchronisation must cover it.
    await worker.fail(app.url, claimed);
    expect(await subscriber.ended).toBe('complete');
    expect(subscriber.events.at(-1)?.status).toBe('FAILED');
    const [replacement] = await listenerBackends(app);
    expect(replacement?.pid).not.toBe(listener!.pid);
  });

  it('notices a half-open LISTEN socket within 10 s and delivers the terminal event', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const proxy = await startTcpProxy(Number(new URL(database.url).port));
    onTestFinished(() => proxy.close());
    const app = await useTestApp({}, { databaseUrl: proxy.url(database.url) });
    const { worker, subscriber, claimed } = await runningJobWithSubscriber(app);

    const frozenAt = Date.now();
    expect(proxy.freeze('listen "ffly_job_updated"')).toBe(1);
    await worker.fail(app.url, claimed);
    await subscriber.until((event) => event.status === 'FAILED', 15_000);
    expect(Date.now() - frozenAt).toBeLessThan(10_000);
  }, 30_000);

  it('recovers from a PostgreSQL restart and delivers the terminal event', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-restart-'));
    onTestFinished(() => fs.rm(directory, { recursive: true, force: true }));
    const options = { directory: path.join(directory, 'postgres'), logger: silentLogger(), ephemeral: true, port: await findFreePort() };
    let postgres = await startEmbeddedPostgres(options);
    onTestFinished(() => postgres.stop());
    if (postgres.relocatedData) onTestFinished(() => fs.rm(postgres.relocatedData!, { recursive: true, force: true }));
    await migrateDatabase(postgres.url);
    const app = await useTestApp({}, { databaseUrl: postgres.url });
    const { worker, subscriber, claimed } = await runningJobWithSubscriber(app);

    await postgres.stop();
    await sleep(1_000);
    postgres = await startEmbeddedPostgres(options);
    // The first requests after the restart may meet pool connections that died with the server.
    for (let attempt = 0; (await worker.fail(app.url, claimed).catch(() => null))?.status !== 200; attempt++) {
      if (attempt > 20) throw new Error('the API did not reconnect to PostgreSQL');
      await sleep(250);
    }
    await subscriber.until((event) => event.status === 'FAILED', 20_000);
    expect(await subscriber.ended).toBe('complete');
  }, 60_000);
});
