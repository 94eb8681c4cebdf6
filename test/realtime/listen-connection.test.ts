import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { HEARTBEAT_CHANNEL } from '../../src/realtime/channels.js';
import { type ChannelSubscriber, openListenConnection } from '../../src/realtime/listen-connection.js';
import { createTestDatabase } from '../support/database.js';
import { startTcpProxy } from './support/tcp-proxy.js';

/** A subscriber that records what it is told. */
function recorder(): ChannelSubscriber & { payloads: string[]; resyncs: number } {
  const seen = { payloads: [] as string[], resyncs: 0 };
  return Object.assign(seen, {
    onPayload: (payload: string) => void seen.payloads.push(payload),
    onResync: () => void (seen.resyncs += 1),
  });
}

describe('the LISTEN session', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = connectDatabase(database.url, { max: 2 });
  });
  afterAll(async () => {
    await pool.close();
    await database.drop();
  });

  it('carries several channels, never shows a heartbeat, and stops a channel on unsubscribe', async () => {
    const connection = await openListenConnection({ url: database.url, publisher: pool.sql, logger: silentLogger(), heartbeatIntervalMs: 100 });
    onTestFinished(() => connection.close());
    const [first, second] = [recorder(), recorder()];
    const unsubscribeFirst = await connection.subscribe('test_first', first);
    await connection.subscribe('test_second', second);
    await pool.sql`select pg_notify('test_first', 'one'), pg_notify('test_second', 'two')`;
    await expect.poll(() => [first.payloads, second.payloads]).toEqual([['one'], ['two']]);
    // Quiet for several heartbeat intervals: the pings went to their own channel only.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await unsubscribeFirst();
    await pool.sql`select pg_notify('test_first', 'after'), pg_notify('test_second', 'three')`;
    await expect.poll(() => second.payloads).toEqual(['two', 'three']);
    expect(first.payloads).toEqual(['one']);
    await expect(connection.subscribe(HEARTBEAT_CHANNEL, recorder())).rejects.toThrow();
  });

  it('replaces a half-open session and tells the subscriber of every channel to resync', async () => {
    const proxy = await startTcpProxy(Number(new URL(database.url).port));
    onTestFinished(() => proxy.close());
    const connection = await openListenConnection({
      url: proxy.url(database.url),
      publisher: pool.sql,
      logger: silentLogger(),
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 300,
    });
    onTestFinished(() => connection.close());
    const [jobs, webhooks] = [recorder(), recorder()];
    await connection.subscribe('test_jobs', jobs);
    await connection.subscribe('test_webhooks', webhooks);
    expect(proxy.freeze('listen "test_webhooks"')).toBe(1);
    await pool.sql`select pg_notify('test_webhooks', 'lost')`;
    await expect.poll(() => [jobs.resyncs, webhooks.resyncs], { timeout: 15_000 }).toEqual([1, 1]);
    await pool.sql`select pg_notify('test_webhooks', 'after')`;
    await expect.poll(() => webhooks.payloads).toEqual(['after']);
  });
});
