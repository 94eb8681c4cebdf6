import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_CODES, isRetryableFailure } from '../../protocol/failure-codes.js';
import { classifyFailure } from '../../transcoder/src/classify-failure.js';
import { MediaError } from '../../transcoder/src/media/index.js';
import { JobFailure } from '../../transcoder/src/run-job.js';

async function jobDirectory() {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ffly-classify-'));
  const source = path.join(directory, 'source');
  await writeFile(source, 'media');
  await mkdir(path.join(directory, 'out'));
  return { directory, source, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

describe('failure classification', () => {
  it('blames the machine, not the output, when the job’s own files vanished (retried)', async () => {
    const job = await jobDirectory();
    await job.cleanup();
    const failure = await classifyFailure(new MediaError('OUTPUT_INVALID', '"web-360p" output is invalid: it cannot be read back'), job.directory, job.source);
    expect(failure.code).toBe('WORKER_FILES_LOST');
    expect(isRetryableFailure(failure.code)).toBe(true);
  });

  it('retries a full disk, and ffmpeg killed by a signal', async () => {
    const job = await jobDirectory();
    try {
      const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
      expect((await classifyFailure(new JobFailure('UPLOAD_FAILED', 'x', { cause: full }), job.directory, job.source)).code).toBe('DISK_FULL');
      expect((await classifyFailure(new MediaError('FFMPEG_FAILED', 'x', { stderrTail: 'av_interleaved_write_frame(): No space left on device' }), job.directory, job.source)).code).toBe('DISK_FULL');
      const killed = new MediaError('FFMPEG_FAILED', 'Transcoding failed: killed by SIGKILL', { cause: { signal: 'SIGKILL' } });
      expect((await classifyFailure(killed, job.directory, job.source)).code).toBe('WORKER_INTERRUPTED');
    } finally {
      await job.cleanup();
    }
  });

  it('fails for good on a defect of the input or of the output, with the files intact', async () => {
    const job = await jobDirectory();
    try {
      for (const code of ['INPUT_UNREADABLE', 'INPUT_REJECTED', 'OUTPUT_INVALID', 'FFMPEG_FAILED'] as const) {
        const failure = await classifyFailure(new MediaError(code, 'x'), job.directory, job.source);
        expect(failure.code).toBe(code);
        expect(isRetryableFailure(code)).toBe(false);
      }
      expect(isRetryableFailure('SOMETHING_NEW')).toBe(false);
    } finally {
      await job.cleanup();
    }
  });

  it('keeps every code in one table, each with what it means', () => {
    for (const [code, entry] of Object.entries(FAILURE_CODES)) {
      expect(code).toMatch(/^[A-Z_]{2,40}$/);
      expect(entry.means.length).toBeGreaterThan(10);
    }
  });
});
