import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';
import { startTcpProxy } from '../realtime/support/tcp-proxy.js';

/** The outage the issue describes; the worker must ride it out however long the API takes to return. */
const OUTAGE_MS = 30_000;

describe('a worker during an API outage', () => {
  it('keeps its job through a 30 s outage and completes it on the same attempt', async () => {
    // The lease outlasts the outage, so the job is still this worker's when the API is back.
    const app = await useTestApp({ LEASE_MS: '60000', RETRY_BASE_MS: '0' });
    const media = await createMediaWorkspace();
    const proxy = await startTcpProxy(Number(new URL(app.url).port));
    try {
      const file = path.join(media.dir, 'short.mp4');
      await promisify(execFile)('ffmpeg', [
        '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=6', '-f', 'lavfi', '-i', 'sine=d=6',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', file,
      ]);
      const video = await fs.readFile(file);
      const worker = startWorker(app, { API_URL: proxy.url(app.url) });
      const job = await createJob(app, {
        source: { filename: 'short.mp4', contentType: 'video/mp4', sizeBytes: video.length },
        outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P360'] } }],
      });
      await upload(job, video);
      await runMutation(app, START_JOB, job.id);
      const readJob = async () => (await app.graphql(GET_JOB, { id: job.id })).data.job;
      await waitFor(async () => ((await readJob()).progress?.phase === 'TRANSCODING' ? true : undefined), 60_000, 'transcoding');

      // The API vanishes for the worker while it transcodes, uploads and reports.
      proxy.down();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      expect(worker.child.exitCode).toBeNull();
      proxy.up();

      const done = await waitFor(async () => {
        const current = await readJob();
        return ['COMPLETED', 'FAILED'].includes(current.status) ? current : undefined;
      }, 90_000, 'the job to finish');
      expect(done).toMatchObject({ status: 'COMPLETED', attempts: 1, outputs: [{ name: 'web-360p', url: expect.any(String) }] });
      expect((await fetch(done.outputs[0].url)).status).toBe(200);
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await proxy.close();
      await media.cleanup();
    }
  }, 180_000);
});
