import { describe, expect, test } from 'vitest';
import { createFlyClient, FLY_RATE_LIMITS, isNotFound, isWaitTimeout } from '../../src/fly/index.js';
import { APP, clientFor, serveCanned, startEmulator, workerConfig } from './helpers.js';

/** A fetch that records the status of every response (or 'network' for a failure). */
function recordingFetch(): { fetch: typeof fetch; seen: Array<{ path: string; status: number }> } {
  const seen: Array<{ path: string; status: number }> = [];
  return {
    seen,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      seen.push({ path: new URL(String(input)).pathname, status: response.status });
      return response;
    },
  };
}

describe('the Fly client retrying', () => {
  test('calls refused with 429 by the emulator are retried after a backoff and go through', async () => {
    const emulator = await startEmulator({ rateLimits: { default: { perSecond: 20, burst: 1 }, get: { perSecond: 20, burst: 1 } } });
    const recorder = recordingFetch();
    const client = clientFor(emulator, { fetch: recorder.fetch });

    await Promise.all([client.listMachines(), client.listMachines(), client.listMachines()]);

    expect(recorder.seen.filter((response) => response.status === 429).length).toBeGreaterThan(0);
    expect(recorder.seen.filter((response) => response.status === 200)).toHaveLength(3);
  });

  test('a 429 with Retry-After waits as long as asked', async () => {
    const server = await serveCanned({ [`GET /v1/apps/${APP}/machines`]: [{ status: 429, body: { error: 'rate limited' }, headers: { 'retry-after': '1' } }, { body: [] }] });
    const client = createFlyClient({ baseUrl: server.url, token: 'token', appName: APP, rateLimits: false, backoff: { baseMs: 10, maxMs: 500 } });
    const started = Date.now();

    await client.listMachines();

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  test("the client's token buckets keep it within Fly's documented limits, so no 429 comes back", async () => {
    const emulator = await startEmulator({ rateLimits: FLY_RATE_LIMITS });
    const recorder = recordingFetch();
    const client = clientFor(emulator, { fetch: recorder.fetch, rateLimits: FLY_RATE_LIMITS });
    const machine = await client.createMachine({ config: workerConfig(), skipLaunch: true });

    await Promise.all(Array.from({ length: 12 }, () => client.getMachine(machine.id)));

    expect(recorder.seen.map((response) => response.status)).not.toContain(429);
  });

  test('a 503 on an idempotent call is retried, a 500 on an update without a lease is not', async () => {
    const server = await serveCanned({
      [`GET /v1/apps/${APP}/machines`]: [{ status: 503, body: { error: 'unavailable' } }, { body: [] }],
      [`POST /v1/apps/${APP}/machines/m1`]: [{ status: 500, body: { error: 'internal' } }, { body: {} }],
    });
    const client = createFlyClient({ baseUrl: server.url, token: 'token', appName: APP, rateLimits: false, backoff: { baseMs: 10, maxMs: 50 } });

    await client.listMachines();
    const update = client.updateMachine('m1', { config: workerConfig(), skipLaunch: true });

    await expect(update).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toEqual([`GET /v1/apps/${APP}/machines`, `GET /v1/apps/${APP}/machines`, `POST /v1/apps/${APP}/machines/m1`]);
  });

  test('a create answered 408 after the machine was made returns that machine instead of making another', async () => {
    const emulator = await startEmulator({ failCreates: { count: 1, status: 408 } });
    const client = clientFor(emulator);

    const machine = await client.createMachine({ config: workerConfig() });

    expect((await client.listMachines()).map((listed) => listed.id)).toEqual([machine.id]);
  });

  test('a create that failed before anything was made is retried and makes one machine', async () => {
    const emulator = await startEmulator({ failCreates: { count: 1, status: 503, afterCommit: false } });
    const client = clientFor(emulator);

    const machine = await client.createMachine({ config: workerConfig() });

    expect((await client.listMachines()).map((listed) => listed.id)).toEqual([machine.id]);
  });

  test('after a 408, a machine the list does not show yet is found by a later lookup, not created twice', async () => {
    const emulator = await startEmulator({ failCreates: { count: 1, status: 408 }, notFoundWindowMs: 150 });
    const client = clientFor(emulator, { createReconcile: { lookups: 10, intervalMs: 50 } });

    const machine = await client.createMachine({ config: workerConfig() });

    expect((await client.listMachines()).map((listed) => listed.id)).toEqual([machine.id]);
  });

  test('getMachine rides out the 404s of a machine this client has just created', async () => {
    const emulator = await startEmulator({ notFoundWindowMs: 200 });
    const client = clientFor(emulator);
    const created = await client.createMachine({ config: workerConfig(), skipLaunch: true });

    await expect(client.getMachine(created.id)).resolves.toMatchObject({ id: created.id });
  });

  test('a 404 for a machine this client did not just create is final', async () => {
    const emulator = await startEmulator();
    const recorder = recordingFetch();
    const client = clientFor(emulator, { fetch: recorder.fetch });

    await expect(client.getMachine('0123456789abcd')).rejects.toSatisfy(isNotFound);
    expect(recorder.seen).toHaveLength(1);
  });

  test('waitForState polls again after a 408 and resolves once the machine gets there', async () => {
    const emulator = await startEmulator();
    const recorder = recordingFetch();
    const client = clientFor(emulator, { fetch: recorder.fetch });
    const created = await client.createMachine({ config: workerConfig(), skipLaunch: true });
    setTimeout(() => void client.startMachine(created.id), 1_200);

    const result = await client.waitForState(created.id, { states: 'started', timeoutMs: 1_900 });

    const polls = recorder.seen.filter((response) => response.path.endsWith('/wait'));
    expect(result).toMatchObject({ ok: true, state: 'started' });
    expect(polls.map((poll) => poll.status)).toEqual([408, 200]);
  });

  test('waitForState gives up with the 408 once its deadline has passed', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig(), skipLaunch: true });

    await expect(client.waitForState(created.id, { states: 'started', timeoutMs: 1_000 })).rejects.toSatisfy(isWaitTimeout);
  });
});
