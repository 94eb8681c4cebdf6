import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startSourceServer, type SourceServer } from '../support/source-server.js';
import { startWorker } from '../support/worker.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.js');

describe('ffly transcode <url>', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let server: SourceServer;
  beforeAll(async () => {
    app = await startTestApp({ INGEST_ALLOW_PRIVATE: 'true' });
    media = await createMediaWorkspace();
    server = await startSourceServer();
    server.add('tone.wav', await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav')));
  });
  afterAll(async () => {
    await server?.close();
    await app?.stop();
    await media?.cleanup();
  });

  const ffly = (args: string[]) =>
    execa(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FFLY_API_URL: app.url, FFLY_API_KEY: TEST_KEYS[0] },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });

  it('has the service fetch the URL, follows the job and downloads its outputs', async () => {
    startWorker(app);
    const out = await media.subdir('cli-url-out');

    const result = await ffly(['transcode', `${server.url}/chunked/tone.wav`, '--audio', 'mp3:128k', '--out', out]);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(path.join(out, 'mp3-128k.mp3'));
    expect(result.stderr).not.toMatch(/^upload /m);
    expect(result.stderr).toMatch(/^COMPLETED 100%/m);
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path.join(out, 'mp3-128k.mp3')]);
    expect(JSON.parse(stdout).streams[0]).toMatchObject({ codec_name: 'mp3' });
    expect(server.bodyGets('tone.wav')).toBe(1);
  });

  it('says what failed when the URL cannot be fetched', async () => {
    startWorker(app);
    const result = await ffly(['transcode', `${server.url}/plain/absent.wav`, '--audio', 'mp3', '--out', await media.subdir('cli-url-failed')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`SOURCE_FETCH_FAILED`);
    expect(result.stderr).toContain(`${server.url}/plain/absent.wav answered HTTP 404 Not Found`);
  });
});
