import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlyClient } from '../../src/fly/index.js';
import { buildWorkerConfig, PoolView } from '../../src/pool/index.js';
import { reconcilePool } from '../../src/pool/reconcile.js';
import { WorkerImageStatus } from '../../src/pool/worker-image.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { waitFor } from '../support/worker.js';
import { type CountingProxy, EMULATOR_TOKEN, FAST_POOL_ENV, startCountingProxy, startSharedEmulator, submitAudioJob, WORKER_APP } from './helpers.js';

/** An image the registry has pruned, as Fly does with images pushed with --build-only and never deployed. */
const GONE = 'registry.fly.io/ffly-worker:deployment-pruned';
const CREATE_ROUTE = `POST /v1/apps/${WORKER_APP}/machines`;

describe('a worker image the registry no longer has', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let proxy: CountingProxy;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    emulator = await startSharedEmulator({ missingImages: [GONE] });
    proxy = await startCountingProxy(emulator.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('makes one error log per scheduling pass and one probing create, not a loop of retries', async () => {
    // The API's own scheduler is off: this test runs the passes itself, one at a time.
    const app = await startTestApp({ MAX_MACHINES: '0' });
    try {
      await submitAudioJob(app, media);
      await submitAudioJob(app, media);
      const logs: Array<{ level: number; msg: string; refusedCreates?: number }> = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
      const image = new WorkerImageStatus(GONE);
      const deps = {
        db: app.server.services.db,
        client: createFlyClient({ baseUrl: proxy.url, token: EMULATOR_TOKEN, appName: WORKER_APP }),
        logger,
        view: new PoolView(),
        worker: buildWorkerConfig({ image: GONE, guest: { cpuKind: 'shared', cpus: 1, memoryMb: 256 }, rootfsGb: 8, apiUrl: app.url, credential: 'x', idleMs: 1_000 }),
        image,
        maxMachines: 2,
        region: null,
        held: new Set<string>(),
      };
      const signal = new AbortController().signal;

      const passes = [];
      passes.push(await reconcilePool(deps, { refresh: true, signal })); // two jobs: two creates, both refused
      passes.push(await reconcilePool(deps, { refresh: false, signal })); // a job notification's pass: no create
      passes.push(await reconcilePool(deps, { refresh: true, signal })); // the timer's passes: one probe each
      passes.push(await reconcilePool(deps, { refresh: true, signal }));

      const creates = proxy.requests.filter((request) => request.route === CREATE_ROUTE);
      const errors = logs.filter((line) => line.level >= 50);
      expect(creates.map((request) => request.status)).toEqual([422, 422, 422, 422]);
      expect(passes.map((pass) => pass.plan.create)).toEqual([2, 2, 2, 2]);
      // Nothing left "unfinished": the leader does not come back for another try within a second.
      expect(passes.map((pass) => pass.unfinished)).toEqual([false, false, false, false]);
      expect(errors).toHaveLength(3);
      for (const line of errors) expect(line.msg).toMatch(/^the worker image is gone from the registry/);
      expect(logs.some((line) => line.msg === 'could not create a worker machine')).toBe(false);
      expect(image.snapshot()).toMatchObject({ image: GONE, missing: true, refusedCreates: 4 });
    } finally {
      await app.stop();
    }
  });

  it('is counted by the running scheduler while the jobs wait in QUEUED', async () => {
    const app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '1', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN, FLY_WORKER_IMAGE: GONE });
    try {
      const id = await submitAudioJob(app, media);
      const scheduler = app.server.background.scheduler;

      const seen = await waitFor(async () => {
        const status = scheduler.workerImage();
        return status && status.refusedCreates >= 1 ? status : undefined;
      }, 30_000, 'a create refused for the missing image');

      expect(seen).toMatchObject({ image: GONE, missing: true });
      expect((await app.graphql('query ($id: ID!) { job(id: $id) { status } }', { id })).data.job.status).toBe('QUEUED');
    } finally {
      await app.stop();
    }
  });
});
