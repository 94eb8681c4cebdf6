import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { jobUuid } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker } from '../support/worker.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.js');
const MiB = 1024 ** 2;

/** Issue 15: `ffly transcode` killed mid-upload and run again sends only the parts the store lacks. */
describe('ffly transcode resuming an interrupted upload in parts', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp({ UPLOAD_PART_BYTES: String(5 * MiB) });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });

  const ffly = (args: string[], env: Record<string, string> = {}) =>
    execa(process.execPath, [BIN, ...args], {
      // Parts above 1 MB instead of 64 MiB, so a 12.5 MiB file goes in three 5 MiB parts.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FFLY_API_URL: app.url, FFLY_API_KEY: TEST_KEYS[0], FFLY_MULTIPART_ABOVE_BYTES: '1000000', ...env },
      extendEnv: false,
      reject: false,
      timeout: 180_000,
    });

  it('is killed after the first part, then run again with the same arguments sends only the missing parts and completes', async () => {
    const file = await media.fixture('wav-68s-stereo-48k.wav');
    const size = (await stat(file)).size;
    const out = await media.subdir('resume-out');
    const args = ['transcode', file, '--audio', 'mp3:64k', '--out', out];
    const { store, embeddedStore } = { store: app.server.services.store, embeddedStore: app.server.resources.embeddedStore! };

    const first = await ffly(args, { FFLY_UPLOAD_KILL_AFTER_PARTS: '1' });
    expect(first.signal).toBe('SIGKILL');
    const jobId = /^Job (\S+)$/m.exec(first.stderr)![1]!;
    const [pending] = await store.listMultipartUploads(`jobs/${jobUuid(jobId)}/`);
    const held = (await store.listParts(pending!.key, pending!.uploadId)).map((part) => part.partNumber);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(held.length).toBeLessThan(3);
    const missing = [1, 2, 3].filter((number) => !held.includes(number));

    const sent: number[] = [];
    const count = (event: { uploadId: string; partNumber: number }) => event.uploadId === pending!.uploadId && sent.push(event.partNumber);
    embeddedStore.events.on('partStored', count);
    startWorker(app);
    const second = await ffly(args);
    embeddedStore.events.off('partStored', count);

    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain(`Job ${jobId}`); // the same job, found by its idempotency key
    expect(second.stderr).toContain(`Resuming the upload: ${held.length} of 3 parts already uploaded, sending ${missing.length}`);
    expect(sent.sort()).toEqual(missing);
    expect(second.stderr).toMatch(/^upload 100% /m);
    const mp3 = path.join(out, 'mp3-64k.mp3');
    expect(second.stdout.trim()).toBe(mp3);
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', mp3]);
    expect(Number(JSON.parse(stdout).format.duration)).toBeCloseTo(68, 0);
    expect(size).toBeGreaterThan(10 * MiB);
  });
});
