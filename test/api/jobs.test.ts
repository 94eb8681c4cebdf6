import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, runMutation, START_JOB, upload, wavInput, jobUuid } from '../support/jobs.js';

const [KEY_A, KEY_B] = TEST_KEYS;
const body = new Uint8Array(1000).fill(7);

describe('the jobs API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  /** Puts a job's source with the API's own store credentials, past the presigned URL's bounds. */
  async function putSourceDirectly(id: string, bytes: Buffer, contentType: string) {
    const [row] = await app.server.services.db.execute<{ source_key: string }>(sql`select source_key from jobs where id = ${jobUuid(id)}`);
    const { store } = app.server.services;
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: row!.source_key, Body: bytes, ContentType: contentType }));
  }

  it('creates a job awaiting upload with a presigned PUT bound to length and type', async () => {
    const job = await createJob(app, wavInput(1000));
    expect(job.__typename).toBe('Job');
    expect(job.status).toBe('AWAITING_UPLOAD');
    expect(job.progress).toBeNull();
    expect(job.outputs).toEqual([{ name: 'mp3-128k', contentType: 'audio/mpeg', sizeBytes: null, durationSeconds: null, url: null }]);
    const upload = job.source.upload;
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual([
      { name: 'Content-Type', value: 'audio/wav' },
      { name: 'Content-Length', value: '1000' },
    ]);
    expect(upload.url).toContain('X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost');
    const minutes = (Date.parse(upload.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
  });

  it('answers invalid input with a ValidationError naming the field, and creates nothing', async () => {
    const before = await countJobs();
    const result = await createJob(app, wavInput(1000, { outputs: [{ audio: { format: 'OPUS', sampleRate: 44100 } }] }));
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.outputs.0.audio.sampleRate' });
    expect(result.message).toMatch(/44100 is not supported by OPUS/);
    expect(await countJobs()).toBe(before);
  });

  it('starts an uploaded job: QUEUED, with a queued event', async () => {
    const job = await createJob(app, wavInput(1000));
    await upload(job, body);
    const started = await runMutation(app, START_JOB, job.id);
    expect(started).toMatchObject({ __typename: 'Job', status: 'QUEUED' });
    expect(started.source.upload).toBeNull();
    expect(await eventTypes(job.id)).toEqual(['created', 'queued']);
  });

  it('refuses to start a job whose upload is missing, and queues nothing', async () => {
    const job = await createJob(app, wavInput(1000));
    const result = await runMutation(app, START_JOB, job.id);
    expect(result).toMatchObject({ __typename: 'ValidationError' });
    expect(result.message).toMatch(/No upload was found/);
    expect((await app.graphql(GET_JOB, { id: job.id })).data.job.status).toBe('AWAITING_UPLOAD');
  });

  it('refuses to start a job whose upload is not the declared size', async () => {
    const job = await createJob(app, wavInput(1000));
    // The store refuses a PUT whose length differs from the signed one; a store that did not (or an
    // object put there another way) is caught by the API's own check.
    const headers = { 'Content-Type': 'audio/wav' };
    const refused = await fetch(job.source.upload.url, { method: 'PUT', headers, body: Buffer.alloc(999) });
    expect(refused.status).toBe(403);
    await putSourceDirectly(job.id, Buffer.alloc(999), 'audio/wav');
    const result = await runMutation(app, START_JOB, job.id);
    expect(result.__typename).toBe('ValidationError');
    expect(result.message).toBe('The upload is 999 bytes but the job declared 1000 bytes; upload the declared file again');
  });

  it('refuses to start a job whose upload has another content type', async () => {
    const job = await createJob(app, wavInput(1000));
    const refused = await fetch(job.source.upload.url, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, body: Buffer.from(body) });
    expect(refused.status).toBe(403);
    await putSourceDirectly(job.id, Buffer.from(body), 'text/html');
    const result = await runMutation(app, START_JOB, job.id);
    expect(result.message).toMatch(/Content-Type is "text\/html" but the job declared "audio\/wav"/);
  });

  it('hands out no upload URL once the upload window has closed, and refuses a late start', async () => {
    const job = await createJob(app, wavInput(1000));
    await app.server.services.db.execute(sql`update jobs set upload_expires_at = now() - interval '1 minute' where id = ${jobUuid(job.id)}`);
    const read = await app.graphql(GET_JOB, { id: job.id });
    expect(read.data.job.source.upload).toBeNull();
    const result = await runMutation(app, START_JOB, job.id);
    expect(result.message).toMatch(/before the upload URL expired/);
  });

  it('refuses an upload that arrived after its URL expired', async () => {
    const job = await createJob(app, wavInput(1000));
    await upload(job, body);
    await app.server.services.db.execute(sql`update jobs set upload_expires_at = now() - interval '1 minute' where id = ${jobUuid(job.id)}`);
    const result = await runMutation(app, START_JOB, job.id);
    expect(result.message).toMatch(/arrived after the upload URL expired/);
  });

  it('refuses to start a job twice', async () => {
    const job = await createJob(app, wavInput(1000));
    await upload(job, body);
    await runMutation(app, START_JOB, job.id);
    const again = await runMutation(app, START_JOB, job.id);
    expect(again).toMatchObject({ __typename: 'InvalidStateError', status: 'QUEUED' });
  });

  it.each(['AWAITING_UPLOAD', 'QUEUED', 'RUNNING'])('cancels a job that is %s', async (status) => {
    const job = await createJob(app, wavInput(1000));
    await app.server.services.db.execute(sql`update jobs set status = ${status} where id = ${jobUuid(job.id)}`);
    const canceled = await runMutation(app, CANCEL_JOB, job.id);
    expect(canceled).toMatchObject({ __typename: 'Job', status: 'CANCELED' });
    expect(canceled.finishedAt).not.toBeNull();
  });

  it.each(['COMPLETED', 'FAILED', 'CANCELED'])('refuses to cancel or start a job that is %s', async (status) => {
    const job = await createJob(app, wavInput(1000));
    await app.server.services.db.execute(sql`update jobs set status = ${status} where id = ${jobUuid(job.id)}`);
    expect(await runMutation(app, CANCEL_JOB, job.id)).toMatchObject({ __typename: 'InvalidStateError', status });
    expect(await runMutation(app, START_JOB, job.id)).toMatchObject({ __typename: 'InvalidStateError', status });
  });

  it('lets only one of many concurrent cancels win', async () => {
    const job = await createJob(app, wavInput(1000));
    const results = await Promise.all(Array.from({ length: 8 }, () => runMutation(app, CANCEL_JOB, job.id)));
    expect(results.filter((result) => result.__typename === 'Job')).toHaveLength(1);
    expect(await eventTypes(job.id)).toEqual(['created', 'canceled']);
  });

  it('never serves outputs of a canceled job', async () => {
    const job = await createJob(app, wavInput(1000));
    await runMutation(app, CANCEL_JOB, job.id);
    await app.server.services.db.execute(sql`update job_outputs set size_bytes = 10 where job_id = ${jobUuid(job.id)}`);
    const read = await app.graphql(GET_JOB, { id: job.id });
    expect(read.data.job.outputs[0].url).toBeNull();
  });

  it('returns the same job for the same idempotency key and input', async () => {
    const input = wavInput(1000, { idempotencyKey: 'order-42' });
    const first = await createJob(app, input);
    const second = await createJob(app, { ...input, priority: null });
    expect(second.id).toBe(first.id);
  });

  it('refuses the same idempotency key with a different input', async () => {
    await createJob(app, wavInput(1000, { idempotencyKey: 'order-43' }));
    const result = await createJob(app, wavInput(2000, { idempotencyKey: 'order-43' }));
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.idempotencyKey' });
  });

  it('creates a new job for an idempotency key older than 24 hours', async () => {
    const first = await createJob(app, wavInput(1000, { idempotencyKey: 'order-44' }));
    await app.server.services.db.execute(sql`update jobs set created_at = now() - interval '25 hours' where id = ${jobUuid(first.id)}`);
    const second = await createJob(app, wavInput(1000, { idempotencyKey: 'order-44' }));
    expect(second.id).not.toBe(first.id);
  });

  it('creates exactly one job for concurrent requests with one idempotency key', async () => {
    const input = wavInput(1000, { idempotencyKey: 'order-45' });
    const jobs = await Promise.all(Array.from({ length: 6 }, () => createJob(app, input)));
    expect(new Set(jobs.map((job) => job.id)).size).toBe(1);
  });

  it('keeps idempotency keys per tenant', async () => {
    const input = wavInput(1000, { idempotencyKey: 'order-46' });
    const a = await createJob(app, input, KEY_A);
    const b = await createJob(app, input, KEY_B);
    expect(b.id).not.toBe(a.id);
  });

  describe('tenant isolation', () => {
    it('hides a job from another tenant on every route', async () => {
      const job = await createJob(app, wavInput(1000), KEY_A);
      const asB = (query: string, variables: Record<string, unknown>) => app.graphql(query, variables, KEY_B);
      expect((await asB(GET_JOB, { id: job.id })).data.job).toBeNull();
      expect((await asB('query ($id: ID!) { node(id: $id) { id } }', { id: job.id })).data.node).toBeNull();
      const listed = await asB('{ jobs(first: 100) { edges { node { id } } } }', {});
      expect(listed.data.jobs.edges.map((edge: any) => edge.node.id)).not.toContain(job.id);
      expect(await runMutation(app, START_JOB, job.id, KEY_B)).toMatchObject({ __typename: 'NotFoundError', message: 'No job with this id' });
      expect(await runMutation(app, CANCEL_JOB, job.id, KEY_B)).toMatchObject({ __typename: 'NotFoundError', message: 'No job with this id' });
      const missing = await runMutation(app, CANCEL_JOB, Buffer.from('Job:00000000-0000-0000-0000-000000000000').toString('base64'), KEY_B);
      expect(missing).toEqual(await runMutation(app, CANCEL_JOB, job.id, KEY_B));
      expect((await app.graphql(GET_JOB, { id: job.id }, KEY_A)).data.job.id).toBe(job.id);
    });
  });

  it('lists jobs newest first, filtered by status, page by page', async () => {
    const isolated = await startTestApp();
    try {
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) ids.push((await createJob(isolated, wavInput(1000 + index))).id);
      await runMutation(isolated, CANCEL_JOB, ids[1]!);
      const page = async (after?: string) =>
        (await isolated.graphql('query ($after: String) { jobs(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', { after })).data.jobs;
      const first = await page();
      const second = await page(first.pageInfo.endCursor);
      const third = await page(second.pageInfo.endCursor);
      const listed = [...first.edges, ...second.edges, ...third.edges].map((edge: any) => edge.node.id);
      expect(listed).toEqual([...ids].reverse());
      expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage, third.pageInfo.hasNextPage]).toEqual([true, true, false]);
      const canceled = await isolated.graphql('{ jobs(status: [CANCELED]) { edges { node { id status } } } }');
      expect(canceled.data.jobs.edges).toEqual([{ node: { id: ids[1], status: 'CANCELED' } }]);
      const bad = await isolated.graphql('{ jobs(after: "garbage") { edges { cursor } } }');
      expect(bad.errors?.[0]?.message).toMatch(/not a cursor/);
      const tooMany = await isolated.graphql('{ jobs(first: 500) { edges { cursor } } }');
      expect(tooMany.data).toBeNull();
      expect(tooMany.errors?.[0]).toMatchObject({ message: '"first" must be from 1 to 100', extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await isolated.stop();
    }
  });

  async function countJobs(): Promise<number> {
    const rows = await app.server.services.sql`select count(*)::int as count from jobs`;
    return rows[0]!.count as number;
  }

  async function eventTypes(globalId: string): Promise<string[]> {
    const rows = await app.server.services.sql`select type from job_events where job_id = ${jobUuid(globalId)} order by id`;
    return rows.map((row) => row.type as string);
  }
});

