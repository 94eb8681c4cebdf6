import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { FAST_POOL_ENV, observerClient, startSharedEmulator, submitAudioJob, waitForJobEnd, EMULATOR_TOKEN } from './helpers.js';

const ALIVE = new Set(['created', 'starting', 'started']);

describe('MAX_MACHINES', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    // No rate limits: the test's own sampling must not eat the scheduler's budget.
    emulator = await startSharedEmulator({ rateLimits: false });
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '2', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN });
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('runs ten queued jobs on at most MAX_MACHINES machines at any moment, and creates no more than that', async () => {
    const observer = observerClient(emulator.url);
    let mostAlive = 0;
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const machines = await observer.listMachines();
        machines.forEach((machine) => seen.add(machine.id));
        mostAlive = Math.max(mostAlive, machines.filter((machine) => ALIVE.has(machine.state)).length);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const ids = [];
    for (let index = 0; index < 10; index += 1) ids.push(await submitAudioJob(app, media));
    const jobs = await Promise.all(ids.map((id) => waitForJobEnd(app, id, 90_000)));
    sampling = false;
    await sampler;

    expect(jobs.map((job) => job.status)).toEqual(Array(10).fill('COMPLETED'));
    expect(mostAlive).toBe(2);
    expect(seen.size).toBe(2);
    expect(new Set(jobs.map((job) => job.machineId))).toEqual(seen);
  }, 120_000);
});
