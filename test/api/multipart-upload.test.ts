import fs from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, jobUuid, runMutation, START_JOB } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const UPLOAD_FIELDS = `id status source { sizeBytes upload { url } multipartUpload { partSizeBytes partCount uploadedParts { number sizeBytes } expiresAt } }`;
const CREATE = `mutation ($input: CreateJobInput!) { createJob(input: $input) { __typename ... on Job { ${UPLOAD_FIELDS} } ... on ValidationError { field message } } }`;
const READ = `query ($id: ID!) { job(id: $id) { ${UPLOAD_FIELDS} outputs { name sizeBytes durationSeconds url } error { code message } } }`;
const PART_URLS = `mutation ($id: ID!, $partNumbers: [Int!]!) { uploadPartUrls(id: $id, partNumbers: $partNumbers) {
  __typename ... on UploadPartUrls { parts { number url method headers { name value } expiresAt } }
  ... on Error { message } ... on ValidationError { field } ... on InvalidStateError { status } } }`;

const source = (sizeBytes: number, extra: Record<string, unknown> = {}) => ({
  source: { filename: 'film.wav', contentType: 'audio/wav', sizeBytes, ...extra },
  outputs: [{ audio: { format: 'MP3', bitrateKbps: 64 } }],
});

/** Issue 15: sources above 2 GiB, uploads in parts, resumed from what the store holds. */
describe('uploads in parts', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    // 5 MiB parts (S3's minimum), so a 12.5 MiB file goes in three.
    app = await startTestApp({ UPLOAD_PART_BYTES: String(5 * MiB), LEASE_MS: '3000' });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
  });

  const create = async (input: Record<string, unknown>) => (await app.graphql(CREATE, { input })).data.createJob;
  const read = async (id: string) => (await app.graphql(READ, { id })).data.job;
  const partUrls = async (id: string, partNumbers: number[]) => {
    const result = await app.graphql(PART_URLS, { id, partNumbers });
    expect(result.errors).toBeUndefined();
    return result.data.uploadPartUrls;
  };
  async function sendParts(id: string, bytes: Buffer, partSize: number, numbers: number[]) {
    const { parts } = await partUrls(id, numbers);
    for (const part of parts) {
      const body = bytes.subarray((part.number - 1) * partSize, part.number * partSize);
      const headers = Object.fromEntries(part.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
      const response = await fetch(part.url, { method: part.method, headers, body: new Uint8Array(body) });
      expect(response.status).toBe(200);
    }
  }

  it('accepts a declared 3,000,000,000 bytes (above a 32-bit Int) with a plan that fits it', async () => {
    const job = await create(source(3_000_000_000, { multipart: true }));
    expect(job.__typename).toBe('Job');
    expect(job.source.sizeBytes).toBe(3_000_000_000);
    expect(job.source.upload).toBeNull();
    const plan = job.source.multipartUpload;
    expect(plan).toMatchObject({ partSizeBytes: 5 * MiB, partCount: Math.ceil(3_000_000_000 / (5 * MiB)), uploadedParts: [] });
    expect(plan.partCount).toBeLessThanOrEqual(10_000);
    // The last part is what remains; its URL is bound to exactly that length.
    const { parts } = await partUrls(job.id, [plan.partCount, 1]);
    const lengths = Object.fromEntries(parts.map((part: any) => [part.number, part.headers.find((header: any) => header.name === 'Content-Length').value]));
    expect(lengths).toEqual({ 1: String(5 * MiB), [plan.partCount]: String(3_000_000_000 - (plan.partCount - 1) * 5 * MiB) });
  });

  it('uploads above 5 GiB in parts whatever was asked, and refuses more than MAX_UPLOAD_BYTES (50 GiB)', async () => {
    const big = await create(source(6 * GiB, { multipart: false }));
    expect(big.source.upload).toBeNull();
    expect(big.source.multipartUpload.partCount).toBeLessThanOrEqual(10_000);
    const fifty = await create(source(50 * GiB));
    // 50 GiB in 5 MiB parts would be 10,240 parts: the smallest whole MiB that fits 10,000 is 6 MiB.
    expect(fifty.source.multipartUpload).toMatchObject({ partCount: Math.ceil((50 * GiB) / (6 * MiB)), partSizeBytes: 6 * MiB });
    expect(await create(source(50 * GiB + 1))).toMatchObject({ __typename: 'ValidationError', field: 'input.source.sizeBytes' });
    // A small upload still goes in one PUT unless asked.
    const small = await create(source(1000));
    expect(small.source.multipartUpload).toBeNull();
    expect(small.source.upload.url).toMatch(/^http/);
  });

  it('answers uploadPartUrls with the errors of its union', async () => {
    const job = await create(source(12 * MiB, { multipart: true }));
    expect(await partUrls(job.id, [])).toMatchObject({ __typename: 'ValidationError', field: 'partNumbers' });
    expect(await partUrls(job.id, Array.from({ length: 101 }, (_, index) => (index % 3) + 1))).toMatchObject({ __typename: 'ValidationError' });
    expect(await partUrls(job.id, [4])).toMatchObject({ __typename: 'ValidationError', field: 'partNumbers', message: expect.stringContaining('1 to 3') });
    expect(await partUrls('job_5TwhNyy7wLBxvItdJ0kJYK', [1])).toMatchObject({ __typename: 'NotFoundError' });
    const single = await create(source(1000));
    expect(await partUrls(single.id, [1])).toMatchObject({ __typename: 'ValidationError', field: 'id' });
    expect((await partUrls(job.id, [3, 1, 2])).parts.map((part: any) => part.number)).toEqual([3, 1, 2]);
    await runMutation(app, CANCEL_JOB, job.id);
    expect(await partUrls(job.id, [1])).toMatchObject({ __typename: 'InvalidStateError', status: 'CANCELED' });
  });

  it('aborts the upload in the store when its job is canceled', async () => {
    const job = await create(source(12 * MiB, { multipart: true }));
    await sendParts(job.id, Buffer.alloc(12 * MiB, 7), 5 * MiB, [1]);
    const prefix = `jobs/${jobUuid(job.id)}/`;
    expect(await app.server.services.store.listMultipartUploads(prefix)).toHaveLength(1);
    await runMutation(app, CANCEL_JOB, job.id);
    expect(await app.server.services.store.listMultipartUploads(prefix)).toEqual([]);
  });

  it('resumes an interrupted upload from the parts the store holds, refuses to start while one is missing, then transcodes it', async () => {
    const file = await media.fixture('wav-68s-stereo-48k.wav');
    const bytes = await fs.readFile(file);
    const job = await create({ ...source(bytes.length, { multipart: true }), outputs: [{ audio: { format: 'MP3', bitrateKbps: 64 } }] });
    const { partSizeBytes, partCount } = job.source.multipartUpload;
    expect(partCount).toBe(3);

    // The first session sends parts 3 and 1, then is interrupted.
    await sendParts(job.id, bytes, partSizeBytes, [3, 1]);
    const started = await runMutation(app, START_JOB, job.id);
    expect(started).toMatchObject({ __typename: 'ValidationError', field: 'id' });
    expect(started.message).toContain('missing part 2 of 3');
    expect((await read(job.id)).status).toBe('AWAITING_UPLOAD');

    // The next session asks the API what the store holds and sends only the rest.
    const held = (await read(job.id)).source.multipartUpload.uploadedParts;
    expect(held).toEqual([
      { number: 1, sizeBytes: 5 * MiB },
      { number: 3, sizeBytes: bytes.length - 10 * MiB },
    ]);
    const missing = Array.from({ length: partCount }, (_, index) => index + 1).filter((number) => !held.some((part: any) => part.number === number));
    expect(missing).toEqual([2]);
    await sendParts(job.id, bytes, partSizeBytes, missing);
    expect(await runMutation(app, START_JOB, job.id)).toMatchObject({ __typename: 'Job', status: 'QUEUED' });
    expect(await app.server.services.store.head((await import('../../src/jobs/keys.js')).sourceKey(jobUuid(job.id), 'film.wav'))).toMatchObject({ sizeBytes: bytes.length });

    startWorker(app);
    const done = await waitFor(async () => {
      const current = await read(job.id);
      return ['COMPLETED', 'FAILED'].includes(current.status) ? current : undefined;
    }, 120_000, 'the job to finish');
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', done.outputs[0].url]);
    expect(Number(JSON.parse(stdout).format.duration)).toBeCloseTo(68, 0);
  });
});
