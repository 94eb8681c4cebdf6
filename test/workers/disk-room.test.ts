import { statfsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskBudget, INSUFFICIENT_DISK, WORK_HEADROOM_BYTES } from '../../protocol/disk-budget.js';
import type { JobSpec } from '../../protocol/job-spec.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

const GB = 1e9;
const audio = (format: 'MP3' | 'WAV' | 'FLAC', extra: Partial<Record<'bitrateKbps' | 'bitDepth', number>> = {}) =>
  ({ kind: 'audio', name: format.toLowerCase(), format, bitrateKbps: null, sampleRate: null, channels: null, bitDepth: null, ...extra }) as const;

describe('the disk a job needs, estimated from its spec before anything is downloaded', () => {
  it('counts the source, each planned output and the headroom', () => {
    const spec: JobSpec = {
      outputs: [
        audio('MP3', { bitrateKbps: 192 }),
        audio('WAV'),
        { kind: 'video', name: 'hls', preset: 'HLS', qualities: ['P720', 'P360'] },
        { kind: 'video', name: 'copy', preset: 'PASSTHROUGH', qualities: [] },
      ],
    };

    const budget = diskBudget(spec, 1 * GB, 14_400);

    // MP3: 192 kb/s over 4 h (below 4 × the source); WAV: 48 kHz stereo 16-bit over 4 h (below 12 ×);
    // HLS: 720/1080 + 360/1080 of the source; passthrough: the source.
    const expected = 24_000 * 14_400 + 192_000 * 14_400 + 1 * GB + 1 * GB;
    expect(budget.outputBytes).toBeCloseTo(expected, -3);
    expect(budget.totalBytes).toBe(1 * GB + budget.outputBytes + WORK_HEADROOM_BYTES);
  });

  it('bounds an audio output by a multiple of a small source', () => {
    expect(diskBudget({ outputs: [audio('WAV')] }, 10_000_000, 14_400).outputBytes).toBe(120_000_000);
    expect(diskBudget({ outputs: [audio('FLAC')] }, 10_000_000, 14_400).outputBytes).toBe(80_000_000);
  });
});

describe('a worker without the disk for a job', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let workDir: string;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '3000', RETRY_BASE_MS: '0' });
    media = await createMediaWorkspace();
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-disk-'));
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
    await fs.rm(workDir, { recursive: true, force: true });
  });

  it('fails it for good with INSUFFICIENT_DISK before downloading the source', async () => {
    // Keeping the whole filesystem in reserve leaves no byte for jobs: whatever else runs on this
    // machine frees or fills, this job cannot fit.
    const { blocks, bsize } = statfsSync(workDir);
    const worker = startWorker(app, { WORK_DIR: workDir, WORKER_DISK_RESERVE_BYTES: String(blocks * bsize) });
    const bytes = await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    const job = await createJob(app, { source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: bytes.length }, outputs: [{ audio: { format: 'MP3' } }] });
    await upload(job, bytes);
    await runMutation(app, START_JOB, job.id);

    const failed = await waitFor(async () => {
      const current = (await app.graphql(GET_JOB, { id: job.id })).data.job;
      return current.status === 'FAILED' ? current : undefined;
    }, 30_000, 'the job to fail');

    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: INSUFFICIENT_DISK } });
    expect(failed.error.message).toMatch(/needs about .* of working disk .* more than a worker has free/);
    expect(worker.output()).toContain('"code":"INSUFFICIENT_DISK"');
    expect(worker.output()).not.toContain('downloading the source');
    expect(await fs.readdir(workDir)).toEqual([]);
  });
});
