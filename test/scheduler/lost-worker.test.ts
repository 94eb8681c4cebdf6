import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBinaries } from '../../transcoder/src/media/binaries.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload, jobUuid } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { waitFor } from '../support/worker.js';
import { FAST_POOL_ENV, observerClient, startSharedEmulator, EMULATOR_TOKEN } from './helpers.js';

describe('a worker SIGKILLed in the middle of a job', () => {
  let emulator: Awaited<ReturnType<typeof startSharedEmulator>>;
  let app: TestApp;
  let media: MediaWorkspace;
  let longAudio: Buffer;
  beforeAll(async () => {
    media = await createMediaWorkspace();
    // A minute and a half of audio: long enough to still be running when the test kills its worker.
    const file = join(media.dir, 'long.wav');
    const { ffmpeg } = await resolveBinaries();
    await promisify(execFile)(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'anoisesrc=d=90:c=pink:r=44100:a=0.3', '-y', file]);
    longAudio = await readFile(file);
    emulator = await startSharedEmulator({ rateLimits: false, destroyedRetentionMs: 60_000 });
    app = await startTestApp({ ...FAST_POOL_ENV, MAX_MACHINES: '1', FLY_API_URL: emulator.url, FLY_API_TOKEN: EMULATOR_TOKEN });
  });
  afterAll(async () => {
    await app?.stop();
    await emulator?.cleanup();
    await media?.cleanup();
  });

  it('has its job requeued by the reaper and completed on a fresh machine, the dead one destroyed', async () => {
    const job = await createJob(app, {
      source: { filename: 'long.wav', contentType: 'audio/wav', sizeBytes: longAudio.length },
      outputs: [{ audio: { format: 'MP3', bitrateKbps: 320 } }, { audio: { format: 'OPUS' } }, { audio: { format: 'FLAC' } }],
    });
    await upload(job, longAudio);
    await runMutation(app, START_JOB, job.id);
    const uuid = jobUuid(job.id);
    const running = await waitFor(async () => {
      const [row] = await app.server.services.sql`select machine_id from jobs where id = ${uuid} and status = 'RUNNING'`;
      return row?.machine_id as string | undefined;
    }, 30_000, 'the job to be claimed');

    expect(emulator.killMachineProcess(running, 'SIGKILL')).toBe(true);
    const finished = await waitFor(async () => {
      await app.server.background.leaseReaper.sweep();
      const current = (await app.graphql(GET_JOB, { id: job.id })).data.job;
      return ['COMPLETED', 'FAILED'].includes(current.status) ? current : undefined;
    }, 60_000, 'the job to complete on another machine');

    expect(finished).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(finished.machineId).not.toBe(running);
    const events = await app.server.services.sql`select type, machine_id from job_events where job_id = ${uuid} order by id`;
    expect(events.map((event) => `${event.type}@${event.machine_id ?? ''}`)).toContain(`lease_expired@${running}`);
    expect((await observerClient(emulator.url).getMachine(running)).state).toBe('destroyed');
  }, 90_000);
});
