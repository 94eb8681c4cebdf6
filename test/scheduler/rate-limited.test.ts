import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLY_RATE_LIMITS } from '../../src/fly/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { type CountingProxy, FAST_POOL_ENV, startCountingProxy, startSharedEmulator, submitAudioJob, waitForJobEnd, EMULATOR_TOKEN } from './helpers.js';

describe('a rate-limited Fly API', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let proxy: CountingProxy;
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    // Stricter than Fly's documented limits, which the client keeps to: the API answers 429s.
    emulator = await startSharedEmulator({ rateLimits: { ...FLY_RATE_LIMITS, default: { perSecond: 0.5, burst: 1 } } });
    proxy = await startCountingProxy(emulator.url);
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '2', FLY_API_URL: proxy.url, FLY_API_TOKEN: EMULATOR_TOKEN });
  });
  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('slows the scheduler down but every job completes', async () => {
    const ids = [];
    for (let index = 0; index < 4; index += 1) ids.push(await submitAudioJob(app, media));

    const jobs = await Promise.all(ids.map((id) => waitForJobEnd(app, id, 90_000)));

    expect(jobs.map((job) => job.status)).toEqual(Array(4).fill('COMPLETED'));
    expect(proxy.requests.filter((request) => request.status === 429).length).toBeGreaterThan(0);
    // Every create eventually went through once, and no more machines than allowed were made.
    expect(proxy.requests.filter((request) => request.route === 'POST /v1/apps/ffly-worker/machines' && request.status === 200).length).toBeLessThanOrEqual(2);
  }, 120_000);
});
