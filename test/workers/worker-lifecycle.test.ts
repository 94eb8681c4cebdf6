import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, runMutation, START_JOB, upload, jobUuid } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

/** ffmpeg processes working on this job (their arguments name its directory). */
function ffmpegProcessesFor(jobUuid: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `ffmpeg.*${jobUuid}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('worker lifecycle: cancel, crash, shutdown, idle', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let longVideo: Buffer;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '2000', RETRY_BASE_MS: '0' });
    media = await createMediaWorkspace();
    // Long enough that the encode is still running when the test acts on it.
    const file = path.join(media.dir, 'long-720p.mp4');
    await promisify(execFile)('ffmpeg', [
      '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=30:d=40', '-f', 'lavfi', '-i', 'sine=d=40',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', file,
    ]);
    longVideo = await fs.readFile(file);
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
  });

  const readJob = async (id: string) => (await app.graphql(GET_JOB, { id })).data.job;
  async function submitLong(): Promise<string> {
    const job = await createJob(app, {
      source: { filename: 'long.mp4', contentType: 'video/mp4', sizeBytes: longVideo.length },
      outputs: [{ video: { preset: 'HLS', qualities: ['P720', 'P480', 'P360'] } }],
    });
    await upload(job, longVideo);
    await runMutation(app, START_JOB, job.id);
    return job.id;
  }
  const transcoding = (id: string) => waitFor(async () => ((await readJob(id)).progress?.phase === 'TRANSCODING' ? true : undefined), 60_000, 'transcoding');
  it('stops ffmpeg when a running job is canceled, publishes nothing, and takes the next job', async () => {
    const worker = startWorker(app);
    const id = await submitLong();
    await transcoding(id);
    expect(ffmpegProcessesFor(jobUuid(id)).length).toBeGreaterThan(0);
    expect((await runMutation(app, CANCEL_JOB, id)).status).toBe('CANCELED');
    await waitFor(async () => (ffmpegProcessesFor(jobUuid(id)).length === 0 ? true : undefined), 10_000, 'ffmpeg to stop');
    const job = await readJob(id);
    expect(job.status).toBe('CANCELED');
    expect(job.outputs.every((output: any) => output.url === null)).toBe(true);
    expect(worker.child.exitCode).toBeNull();
  });

  it('hands the job back on SIGTERM, without counting the attempt, and exits within 5 s', async () => {
    const worker = startWorker(app);
    const id = await submitLong();
    await transcoding(id);
    const stoppedAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(await readJob(id)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(ffmpegProcessesFor(jobUuid(id))).toEqual([]);
    await runMutation(app, CANCEL_JOB, id);
  });

  it('lets another worker finish the job of a worker that was SIGKILLed, once the lease expires', async () => {
    const first = startWorker(app, { FLY_MACHINE_ID: 'machine-a' });
    const id = await submitLong();
    await transcoding(id);
    first.child.kill('SIGKILL');
    startWorker(app, { FLY_MACHINE_ID: 'machine-b' });
    const job = await waitFor(async () => {
      await app.server.background.leaseReaper.sweep();
      const current = await readJob(id);
      return ['COMPLETED', 'FAILED'].includes(current.status) ? current : undefined;
    }, 240_000, 'the job to complete on the second worker');
    expect(job).toMatchObject({ status: 'COMPLETED', attempts: 2, machineId: 'machine-b' });
    const events = await app.server.services.sql`select type, machine_id from job_events where job_id = ${jobUuid(id)} order by id`;
    expect(events.map((event) => `${event.type}@${event.machine_id ?? ''}`)).toContain('lease_expired@machine-a');
  }, 300_000);

  it('exits 0 after WORKER_IDLE_MS with nothing to do', async () => {
    const worker = startWorker(app, { WORKER_IDLE_MS: '500' });
    expect(await worker.exited).toBe(0);
  });
});
