import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker } from '../support/worker.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The first fenced block of `language` in the README after the line `after` (a heading). */
async function readmeBlock(language: string, after: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(after);
  expect(start, `README section "${after}"`).toBeGreaterThanOrEqual(0);
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n```').exec(readme.slice(start));
  expect(block, `a ${language} block after "${after}"`).not.toBeNull();
  return block![1]!;
}

/**
 * The README's examples, run as written against a real server and worker, in a folder of their own
 * where the file is called talk.wav. Only node_modules is linked in, for graphql-ws and ws.
 */
describe("the README's examples", () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp();
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, FFLY_API_URL: app.url, FFLY_API_KEY: TEST_KEYS[0] });

  async function workspace(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'ffly-readme-'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    await copyFile(await media.fixture('wav-16bit-stereo-44k.wav'), path.join(dir, 'talk.wav'));
    return dir;
  }

  it('runs the Node script: it uploads, follows the job live and prints working download URLs', async () => {
    startWorker(app);
    const cwd = await workspace();
    try {
      const script = await readmeBlock('js', '### A Node script');
      expect(script.split('\n')[0]).toBe('// transcode.mjs: node transcode.mjs <file.wav>');
      await writeFile(path.join(cwd, 'transcode.mjs'), script);

      const result = await execa(process.execPath, ['transcode.mjs', 'talk.wav'], { cwd, env: env(), extendEnv: false, reject: false, timeout: 150_000 });

      expect(result.exitCode, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toMatch(/^job job_[0-9A-Za-z]{22}$/);
      expect(lines).toContain('COMPLETED DONE 100%');
      const url = lines.find((line) => line.startsWith('mp3-192k '))?.split(' ')[1];
      const download = await fetch(url!);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('audio/mpeg');
      expect(lines.some((line) => line.startsWith('opus-96k http'))).toBe(true);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 180_000);

  it('runs the curl walk-through: create, PUT, start, follow over SSE, download', async () => {
    startWorker(app);
    const cwd = await workspace();
    try {
      const script = await readmeBlock('sh', '### From the shell: curl and jq');

      const result = await execa('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env: env(), extendEnv: false, reject: false, timeout: 150_000 });

      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^\["COMPLETED","DONE",100\]$/m);
      const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path.join(cwd, 'talk-flac-24bit.flac')]);
      expect(JSON.parse(stdout).streams[0]).toMatchObject({ codec_name: 'flac', bits_per_raw_sample: '24' });
      expect((await readFile(path.join(cwd, 'talk-mp3-192k.mp3'))).length).toBeGreaterThan(1000);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 180_000);
});
