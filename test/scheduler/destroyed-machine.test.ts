import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { waitFor } from '../support/worker.js';
import { FAST_POOL_ENV, observerClient, queryMachines, startSharedEmulator, submitAudioJob, waitForJobEnd, EMULATOR_TOKEN } from './helpers.js';

describe('a machine destroyed behind the scheduler\'s back', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    emulator = await startSharedEmulator({ rateLimits: false, destroyedRetentionMs: 100 });
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '1', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN });
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('is forgotten, and replaced by a new machine when work comes', async () => {
    const first = await waitForJobEnd(app, await submitAudioJob(app, media));
    const original = first.machineId!;
    await waitFor(async () => ((await queryMachines(app))[0]?.state === 'stopped' ? true : undefined), 15_000, 'the machine to stop');

    await observerClient(emulator.url).destroyMachine(original);
    await waitFor(async () => ((await queryMachines(app)).length === 0 ? true : undefined), 10_000, 'the pool to forget the machine');
    const second = await waitForJobEnd(app, await submitAudioJob(app, media));

    expect(second.status).toBe('COMPLETED');
    expect(second.machineId).not.toBe(original);
    expect((await queryMachines(app)).map((machine) => machine.id)).toEqual([second.machineId]);
  });
});
