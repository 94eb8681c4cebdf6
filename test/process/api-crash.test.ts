import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/net/free-port.js';
import { startEntryPoint } from '../support/entry-point.js';
import { waitFor } from '../support/worker.js';

const run = promisify(execFile);

/** `npm start` as a user runs it, in its own process; `ready` is its base URL. */
function start(env: Record<string, string>) {
  const started = startEntryPoint(env);
  return { ...started, ready: started.ready.then((url) => url.replace(/\/graphql$/, '')) };
}

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const JOB = 'query ($id: ID!) { job(id: $id) { status attempts progress { phase percent } error { code message } outputs { name url sizeBytes } } }';

describe('the API killed mid-transcode', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('restarted on the same DATA_DIR, lets the live worker finish: the job completes on its first attempt with verified outputs', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-crash-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const port = String(await findFreePort());
    const env = { DATA_DIR: dataDir, PORT: port, LEASE_MS: '60000' };

    const video = path.join(dataDir, 'source.mp4');
    await run('ffmpeg', [
      '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=854x480:r=30:d=20', '-f', 'lavfi', '-i', 'sine=d=20',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', video,
    ]);
    const bytes = await fs.readFile(video);

    const first = start(env);
    cleanups.push(async () => void first.child.kill('SIGKILL'));
    const url = await first.ready;
    const created = await graphql(url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { upload { url headers { name value } } } } } }', {
      input: {
        source: { filename: 'source.mp4', contentType: 'video/mp4', sizeBytes: bytes.length },
        outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P360', 'P240'] } }],
      },
    });
    const { id, source } = created.createJob;
    const headers = Object.fromEntries(source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
    expect((await fetch(source.upload.url, { method: 'PUT', headers, body: bytes })).status).toBe(200);
    await graphql(url, 'mutation ($id: ID!) { startJob(id: $id) { __typename } }', { id });
    await waitFor(async () => {
      const { job } = await graphql(url, JOB, { id });
      return job.progress?.phase === 'TRANSCODING' && job.progress.percent >= 8 ? true : undefined;
    }, 120_000, 'the transcode to be under way');

    // kill -9: nothing of the API gets to clean up; the worker's machine process lives on.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = start(env);
    cleanups.push(async () => {
      second.child.kill('SIGINT');
      await new Promise((resolve) => second.child.once('exit', resolve));
    });
    const restartedUrl = await second.ready;
    const done = await waitFor(async () => {
      const { job } = await graphql(restartedUrl, JOB, { id });
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status) ? job : undefined;
    }, 180_000, 'the job to finish');
    expect(done, second.output().slice(-3000)).toMatchObject({ status: 'COMPLETED', attempts: 1, error: null });
    expect(second.output()).not.toMatch(/destroying it/);

    // The outputs are real: each downloads and probes as a 20 s H.264 video of its size.
    for (const [index, height] of [360, 240].entries()) {
      const output = done.outputs[index];
      const file = path.join(dataDir, `${output.name}.mp4`);
      await fs.writeFile(file, Buffer.from(await (await fetch(output.url)).arrayBuffer()));
      const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file])).stdout);
      const stream = probe.streams.find((candidate: { codec_type: string }) => candidate.codec_type === 'video');
      expect(stream).toMatchObject({ codec_name: 'h264', height });
      expect(Number(probe.format.duration)).toBeGreaterThan(19);
      expect((await fs.stat(file)).size).toBe(output.sizeBytes);
    }
  }, 400_000);
});
