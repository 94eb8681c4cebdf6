import { execFile } from 'node:child_process';
import { statfsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, jobUuid } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startSourceServer, type SourceServer } from '../support/source-server.js';
import { startWorker, waitFor } from '../support/worker.js';

const URL_JOB_FIELDS = `id status attempts progress { phase percent } source { filename contentType sizeBytes url upload { url } }
  outputs { name sizeBytes url } error { code message }`;
const GET_URL_JOB = `query ($id: ID!) { job(id: $id) { ${URL_JOB_FIELDS} } }`;
const MAX_UPLOAD_BYTES = 1_000_000;

async function ffprobe(target: string): Promise<any> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', target]);
  return JSON.parse(stdout);
}

const mp3Job = (url: string, extra: Record<string, unknown> = {}) => ({ source: { url, ...extra }, outputs: [{ audio: { format: 'MP3', bitrateKbps: 128 } }] });

async function finished(app: TestApp, id: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const job = (await app.graphql(GET_URL_JOB, { id })).data.job;
    return ['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status) ? job : undefined;
  }, timeoutMs, `job ${id} to finish`);
}

/** Every output is a real, downloadable MP3 of the 3 s source. */
async function expectMp3(job: any) {
  expect(job).toMatchObject({ status: 'COMPLETED', attempts: 1, progress: { phase: 'DONE', percent: 100 } });
  const [stream] = (await ffprobe(job.outputs[0].url)).streams;
  expect(stream).toMatchObject({ codec_name: 'mp3' });
  expect(Number(stream.duration)).toBeCloseTo(3, 0);
}

describe('URL sources fetched by a real worker', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let server: SourceServer;
  let wav: Buffer;
  beforeAll(async () => {
    app = await startTestApp({ INGEST_ALLOW_PRIVATE: 'true', MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), INGEST_IDLE_TIMEOUT_MS: '1000', LEASE_MS: '5000' });
    media = await createMediaWorkspace();
    server = await startSourceServer();
    wav = await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    server.add('tone.wav', wav);
  });
  afterAll(async () => {
    await server.close();
    await app.stop();
    await media.cleanup();
  });

  it('creates the job QUEUED at once, fetches the source with its length, and transcodes it', async () => {
    const created = await createJob(app, mp3Job(`${server.url}/plain/tone.wav?signature=secret`));
    expect(created).toMatchObject({ __typename: 'Job', status: 'QUEUED', source: { filename: 'tone.wav', sizeBytes: null, upload: null } });
    const read = (await app.graphql(GET_URL_JOB, { id: created.id })).data.job;
    expect(read.source.url).toBe(`${server.url}/plain/tone.wav?signature=secret`);
    const worker = startWorker(app);
    const job = await finished(app, created.id);
    await expectMp3(job);
    expect(job.source.sizeBytes).toBe(wav.length);
    expect(server.bodyGets('tone.wav')).toBe(1);
    expect(worker.output()).toContain('fetching the source');
    // The signed part of a URL (its query) goes in no log line.
    expect(worker.output()).not.toContain('secret');
  });

  it('fetches a chunked source that never says its length', async () => {
    startWorker(app);
    const created = await createJob(app, mp3Job(`${server.url}/chunked/tone.wav`, { filename: 'named.wav', contentType: 'audio/wav' }));
    const job = await finished(app, created.id);
    await expectMp3(job);
    expect(job.source).toMatchObject({ filename: 'named.wav', contentType: 'audio/wav', sizeBytes: wav.length });
  });

  it('follows redirects to the source', async () => {
    startWorker(app);
    const before = server.gets.get('/redirect/3/tone.wav') ?? 0;
    const created = await createJob(app, mp3Job(`${server.url}/redirect/3/tone.wav`));
    const job = await finished(app, created.id);
    await expectMp3(job);
    expect(server.gets.get('/redirect/3/tone.wav')).toBe(before + 1);
    expect(server.gets.get('/redirect/1/tone.wav')).toBeGreaterThan(0);
  });

  it('fetches once for one idempotency key', async () => {
    startWorker(app);
    server.add('once.wav', wav);
    const input = { ...mp3Job(`${server.url}/plain/once.wav`), idempotencyKey: 'url-ingest-once' };
    const first = await createJob(app, input);
    const second = await createJob(app, input);
    expect(second.id).toBe(first.id);
    await expectMp3(await finished(app, first.id));
    expect((await createJob(app, input)).id).toBe(first.id);
    expect(server.bodyGets('once.wav')).toBe(1);
  });

  it('fails a 404 with SOURCE_FETCH_FAILED naming the status, without retrying', async () => {
    startWorker(app);
    const created = await createJob(app, mp3Job(`${server.url}/missing/gone.wav?token=abc`));
    const job = await finished(app, created.id);
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(job.error.message).toBe(`${server.url}/missing/gone.wav answered HTTP 404 Not Found`);
    expect(server.gets.get('/missing/gone.wav')).toBe(1);
  });

  it('stops a body without a length at the size limit', async () => {
    startWorker(app);
    const created = await createJob(app, mp3Job(`${server.url}/zeros/${MAX_UPLOAD_BYTES * 3}`));
    const job = await finished(app, created.id);
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(job.error.message).toBe(
      `${server.url}/zeros/${MAX_UPLOAD_BYTES * 3} sent more than the ${MAX_UPLOAD_BYTES} bytes this service accepts (MAX_UPLOAD_BYTES); stopped there`,
    );
  });

  it('refuses a source whose Content-Length is over the limit before its body', async () => {
    startWorker(app);
    const created = await createJob(app, mp3Job(`${server.url}/zeros-declared/${MAX_UPLOAD_BYTES + 1}`));
    const job = await finished(app, created.id);
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(job.error.message).toBe(
      `${server.url}/zeros-declared/${MAX_UPLOAD_BYTES + 1} is ${MAX_UPLOAD_BYTES + 1} bytes, more than the ${MAX_UPLOAD_BYTES} bytes this service accepts (MAX_UPLOAD_BYTES)`,
    );
  });

  it('gives up a stalled server after the idle timeout, tried three times', async () => {
    startWorker(app);
    const created = await createJob(app, mp3Job(`${server.url}/stall`));
    const job = await finished(app, created.id);
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(job.error.message).toBe(`${server.url}/stall: the server sent nothing for 1 s (idle timeout) after 1000 bytes (tried 3 times)`);
    expect(server.gets.get('/stall')).toBe(3);
  });

  it('fails a source that cannot fit the worker\'s disk with INSUFFICIENT_DISK, before or while fetching it', async () => {
    // Keeping the whole filesystem in reserve leaves no byte for jobs.
    const workDir = await media.subdir('no-room');
    const { blocks, bsize } = statfsSync(workDir);
    startWorker(app, { WORK_DIR: workDir, WORKER_DISK_RESERVE_BYTES: String(blocks * bsize) });
    const declared = await finished(app, (await createJob(app, mp3Job(`${server.url}/plain/tone.wav`))).id);
    expect(declared).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'INSUFFICIENT_DISK' } });
    expect(declared.error.message).toMatch(/^This job needs about .* of working disk .* more than a worker has free/);
    const chunked = await finished(app, (await createJob(app, mp3Job(`${server.url}/chunked/tone.wav`))).id);
    expect(chunked).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'INSUFFICIENT_DISK' } });
    expect(chunked.error.message).toMatch(new RegExp(`\\(stopped fetching ${server.url}/chunked/tone.wav at \\d+ bytes; it did not say its size\\)$`));
    // The worker reports the failure, then removes the attempt's directory: wait for it, then check.
    const left = await waitFor(async () => ((await fs.readdir(workDir)).length === 0 ? [] : undefined), 10_000, 'the attempt directory removed').catch(() => null);
    expect(left ?? (await fs.readdir(workDir))).toEqual([]);
  });

  it('refuses a URL with both a size and a URL, or that is not http(s)', async () => {
    const both = await createJob(app, mp3Job(`${server.url}/plain/tone.wav`, { sizeBytes: 10 }));
    expect(both).toMatchObject({ __typename: 'ValidationError', field: 'input.source.url' });
    const ftp = await createJob(app, mp3Job('ftp://example.com/tone.wav'));
    expect(ftp).toMatchObject({ __typename: 'ValidationError', field: 'input.source.url', message: 'input.source.url must be an absolute http or https URL' });
    const neither = await createJob(app, { source: { filename: 'a.wav' }, outputs: [{ audio: { format: 'MP3' } }] });
    expect(neither).toMatchObject({ __typename: 'ValidationError', field: 'input.source.sizeBytes' });
  });
});

describe('URL sources under the address rules (INGEST_ALLOW_PRIVATE=false)', () => {
  let app: TestApp;
  let server: SourceServer;
  beforeAll(async () => {
    app = await startTestApp({ INGEST_ALLOW_PRIVATE: 'false' });
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
    await app.stop();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'a link-local address'],
    ['http://127.0.0.1:9/tone.wav', 'a loopback address'],
    ['http://localhost:9/tone.wav', 'a loopback address'],
    ['http://[::ffff:10.0.0.1]/tone.wav', 'a private address'],
    ['http://[fdaa::3]/tone.wav', 'a private address'],
  ])('refuses %s at createJob', async (url, what) => {
    const result = await createJob(app, mp3Job(url));
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.source.url' });
    expect(result.message).toBe(`input.source.url must reach a public address, but its host is ${what}`);
  });

  it('fails the job when a redirect leads to a refused address, and never connects there', async () => {
    // The API accepts the public literal; what the worker then fetches is this machine's test server
    // (the seam lets its loopback address pass as public), which redirects to the metadata service.
    const created = await createJob(app, mp3Job('http://93.184.216.34/tone.wav'));
    expect(created.status).toBe('QUEUED');
    const target = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    await app.server.services.db.execute(sql`update jobs set source_url = ${`${server.url}/to?target=${target}`} where id = ${jobUuid(created.id)}`);
    startWorker(app, { WORKER_TEST_PUBLIC_ADDRESSES: '127.0.0.1' });
    const job = await finished(app, created.id);
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(job.error.message).toBe(
      'the redirect to http://169.254.169.254/latest/meta-data/ was refused: its host is a link-local address, which sources may not reach (INGEST_ALLOW_PRIVATE)',
    );
    expect(server.gets.get('/to')).toBe(1);
  });

  it('refuses the first hop at fetch time too (a URL that came to point at a private address)', async () => {
    const created = await createJob(app, mp3Job('http://93.184.216.34/tone.wav'));
    await app.server.services.db.execute(sql`update jobs set source_url = ${`${server.url}/plain/tone.wav`} where id = ${jobUuid(created.id)}`);
    startWorker(app);
    const job = await finished(app, created.id);
    expect(job.error).toEqual({
      code: 'SOURCE_FETCH_FAILED',
      message: `${server.url}/plain/tone.wav was refused: its host is a loopback address, which sources may not reach (INGEST_ALLOW_PRIVATE)`,
    });
    expect(server.gets.get('/plain/tone.wav')).toBeUndefined();
  });
});

describe('a URL source copied into the store', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let server: SourceServer;
  beforeAll(async () => {
    app = await startTestApp({ INGEST_ALLOW_PRIVATE: 'true', LEASE_MS: '2000', RETRY_BASE_MS: '0' });
    media = await createMediaWorkspace();
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
    await app.stop();
    await media.cleanup();
  });

  it('is not fetched again by the retry after a worker died', async () => {
    // Long enough to transcode that the worker can be killed after the copy and before it finishes.
    const source = `${media.dir}/long-360p.mp4`;
    await promisify(execFile)('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=20', '-f', 'lavfi', '-i', 'sine=d=20',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', source]);
    server.add('long.mp4', await fs.readFile(source));
    const created = await createJob(app, {
      source: { url: `${server.url}/chunked/long.mp4` },
      outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P360'] } }],
    });
    const first = startWorker(app, { FLY_MACHINE_ID: 'first-worker' });
    // The copy is recorded (source.sizeBytes known) while the job still runs: kill its worker there.
    const copied = await waitFor(async () => {
      const job = (await app.graphql(GET_URL_JOB, { id: created.id })).data.job;
      return job.source.sizeBytes !== null || job.status !== 'RUNNING' && job.status !== 'QUEUED' ? job : undefined;
    }, 60_000, 'the copy of the source');
    expect(copied).toMatchObject({ status: 'RUNNING', attempts: 1 });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startWorker(app, { FLY_MACHINE_ID: 'second-worker' });
    const job = await finished(app, created.id, 120_000);
    expect(job).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(server.bodyGets('long.mp4')).toBe(1);
    expect(second.output()).toContain('downloading the source');
    expect(second.output()).not.toContain('fetching the source');
    const [video] = (await ffprobe(job.outputs[0].url)).streams;
    expect(video).toMatchObject({ codec_name: 'h264', height: 360 });
  }, 240_000);
});
