import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { EMULATOR_TOKEN, FAST_POOL_ENV, observerClient, startSharedEmulator, submitAudioJob, waitForJobEnd } from './helpers.js';

const GIB = 1024 ** 3;

describe('the worker machines the scheduler creates', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    emulator = await startSharedEmulator();
    // 10 GiB sources: the default root filesystem is ceil(2 × 10) + 2 = 22 GB, not Fly's 8.
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '1', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN, MAX_UPLOAD_BYTES: String(10 * GIB) });
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('have a root filesystem sized from MAX_UPLOAD_BYTES', async () => {
    const job = await waitForJobEnd(app, await submitAudioJob(app, media));

    const machines = await observerClient(emulator.url).listMachines();
    expect(job.status).toBe('COMPLETED');
    expect(machines).toHaveLength(1);
    expect(machines[0]!.config?.rootfs).toEqual({ size_gb: 22 });
  });
});
