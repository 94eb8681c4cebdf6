import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { waitFor } from '../support/worker.js';
import { FAST_POOL_ENV, queryMachines, submitAudioJob, waitForJobEnd } from './helpers.js';

describe('local mode: the in-process emulator runs the real transcoder', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    // No FLY_API_TOKEN and no FLY_API_URL: the API starts its own emulator, as `npm start` does.
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '1', FLY_EMULATOR_CREATE_DELAY_MS: '50', FLY_EMULATOR_START_DELAY_MS: '20' });
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });

  it('runs jobs submitted one after another on one machine, started again once it has stopped', async () => {
    const first = await waitForJobEnd(app, await submitAudioJob(app, media));
    expect(first).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect(first.machineId).toMatch(/^[0-9a-f]{14}$/);
    await waitFor(async () => ((await queryMachines(app)).some((machine) => machine.state === 'stopped') ? true : undefined), 15_000, 'the idle worker to stop');

    const second = await waitForJobEnd(app, await submitAudioJob(app, media));

    expect(second).toMatchObject({ status: 'COMPLETED', machineId: first.machineId });
    expect(await queryMachines(app)).toEqual([{ id: first.machineId, state: expect.any(String) }]);
  });
});
