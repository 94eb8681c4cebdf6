import fs from 'node:fs/promises';
import { CreateMultipartUploadCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCredential } from '../../src/workers/credentials.js';
import { deleteJobRows } from '../../src/jobs/sql/delete-job.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, jobUuid, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

const DELETE_JOB = `mutation ($id: ID!) { deleteJob(id: $id) { __typename ... on DeletedJob { id } ... on Error { message } } }`;
const USAGE = `query ($id: ID!) { job(id: $id) { status usage { machineSeconds estimatedCostUsd } outputs { url } } }`;

/** Everything the store holds for a job: its objects and its open multipart uploads. */
async function storedFor(app: TestApp, globalId: string): Promise<{ objects: string[]; uploads: string[] }> {
  const { store } = app.server.services;
  const prefix = `jobs/${jobUuid(globalId)}/`;
  const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix }));
  const uploads = await store.listMultipartUploads(prefix);
  return { objects: (listed.Contents ?? []).map((item) => item.Key!), uploads: uploads.map((item) => item.key) };
}

async function rowsFor(app: TestApp, globalId: string): Promise<Record<string, number>> {
  const id = jobUuid(globalId);
  const [row] = await app.server.services.db.execute<Record<string, number>>(sql`
    select (select count(*) from jobs where id = ${id})::int as jobs,
      (select count(*) from job_events where job_id = ${id})::int as events,
      (select count(*) from job_outputs where job_id = ${id})::int as outputs,
      (select count(*) from job_attempts where job_id = ${id})::int as attempts,
      (select count(*) from webhook_deliveries where job_id = ${id})::int as deliveries`);
  return row!;
}

function workerApi(app: TestApp) {
  const post = async (path: string, token: string, body: unknown) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const credential = machineCredential(app.server.services.signingKey);
  return { post, claim: async () => (await post('/claim', credential, { machineId: 'm', waitMs: 0 })).body.job };
}

describe('deleteJob', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '5000', WEBHOOK_ALLOW_PRIVATE: 'true' });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
  });

  it('deletes a completed job: rows, source, outputs; old download URLs fail; usage was plausible before', async () => {
    const bytes = await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    const job = await createJob(app, {
      source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: bytes.length },
      outputs: [{ audio: { format: 'MP3' } }],
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect((await app.graphql(USAGE, { id: job.id })).data.job.usage).toBeNull();
    await upload(job, bytes);
    await runMutation(app, START_JOB, job.id);
    const before = Date.now();
    const worker = startWorker(app);
    const done = await waitFor(async () => {
      const current = (await app.graphql(USAGE, { id: job.id })).data.job;
      return current.status === 'COMPLETED' ? current : undefined;
    }, 60_000, 'the job to complete');
    const elapsedSeconds = (Date.now() - before) / 1000;
    worker.child.kill('SIGTERM');
    await worker.exited;

    // What the job cost: the time the machine held it, no more than the wall time it took.
    expect(done.usage.machineSeconds).toBeGreaterThan(0);
    expect(done.usage.machineSeconds).toBeLessThanOrEqual(elapsedSeconds + 1);
    expect(done.usage.estimatedCostUsd).toBeGreaterThan(0);
    expect(done.usage.estimatedCostUsd).toBeLessThan(0.01);

    const url = done.outputs[0].url as string;
    expect((await fetch(url)).status).toBe(200);
    expect((await storedFor(app, job.id)).objects.length).toBeGreaterThanOrEqual(2);

    expect(await runMutation(app, DELETE_JOB, job.id)).toEqual({ __typename: 'DeletedJob', id: job.id });
    expect((await app.graphql(GET_JOB, { id: job.id })).data.job).toBeNull();
    expect(await rowsFor(app, job.id)).toEqual({ jobs: 0, events: 0, outputs: 0, attempts: 0, deliveries: 0 });
    expect(await storedFor(app, job.id)).toEqual({ objects: [], uploads: [] });
    expect((await fetch(url)).status).toBe(404);
    // Deleted means gone: a second delete finds nothing.
    expect((await runMutation(app, DELETE_JOB, job.id)).__typename).toBe('NotFoundError');
  });

  it('deletes a running job: canceled first, the worker then lost, its attempt files and open uploads gone', async () => {
    const job = await createJob(app, wavInput(4));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, START_JOB, job.id);
    const api = workerApi(app);
    const claim = await api.claim();
    expect(claim.id).toBe(jobUuid(job.id));
    // The worker uploads one file of its attempt and begins a multipart upload (a large output).
    const grant = (await api.post(`/jobs/${claim.id}/uploads`, claim.token, { files: [{ path: 'out.mp3', contentType: 'audio/mpeg', sizeBytes: 3 }] })).body.files[0];
    expect((await fetch(grant.upload.url, { method: 'PUT', headers: grant.upload.headers, body: 'abc' })).ok).toBe(true);
    const { store } = app.server.services;
    await store.client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: `jobs/${claim.id}/attempts/x/big.mp4`, ContentType: 'video/mp4' }));
    const stored = await storedFor(app, job.id);
    expect(stored.objects.length).toBe(2);
    expect(stored.uploads.length).toBe(1);

    expect((await runMutation(app, DELETE_JOB, job.id)).__typename).toBe('DeletedJob');
    expect(await storedFor(app, job.id)).toEqual({ objects: [], uploads: [] });
    expect(await rowsFor(app, job.id)).toMatchObject({ jobs: 0, events: 0, attempts: 0 });
    // The worker's next call is refused: its job is gone, so it stops.
    expect(await api.post(`/jobs/${claim.id}/progress`, claim.token, { phase: 'TRANSCODING', percent: 50 })).toEqual({ status: 409, body: { status: 'lost' } });
    expect((await api.post(`/jobs/${claim.id}/uploads`, claim.token, { files: [{ path: 'late.mp3', contentType: 'audio/mpeg', sizeBytes: 3 }] })).status).toBe(409);
    expect((await storedFor(app, job.id)).objects).toEqual([]);
  });

  it('deletes a job awaiting its upload; another tenant cannot', async () => {
    const job = await createJob(app, wavInput(4));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    expect((await storedFor(app, job.id)).objects.length).toBe(1);
    expect((await app.graphql(DELETE_JOB, { id: job.id }, TEST_KEYS[1])).data.deleteJob).toMatchObject({ __typename: 'NotFoundError' });
    expect((await app.graphql(GET_JOB, { id: job.id })).data.job.status).toBe('AWAITING_UPLOAD');
    expect((await runMutation(app, DELETE_JOB, job.id)).__typename).toBe('DeletedJob');
    expect(await storedFor(app, job.id)).toEqual({ objects: [], uploads: [] });
    // The upload URL handed out before cannot bring the job back, and what it puts is swept later.
    expect((await runMutation(app, START_JOB, job.id)).__typename).toBe('NotFoundError');
  });

  it('finishes a delete cut short after its rows went: the maintenance pass sweeps the tombstone', async () => {
    const job = await createJob(app, wavInput(4));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, CANCEL_JOB, job.id);
    // As if the process died between the rows and the files: the rows and a tombstone, the files still there.
    expect(await deleteJobRows(app.server.services.db, { id: jobUuid(job.id), recheckAfterSeconds: 3600 })).toBe(true);
    expect((await storedFor(app, job.id)).objects.length).toBe(1);
    await app.server.background.maintenance.runOnce();
    expect(await storedFor(app, job.id)).toEqual({ objects: [], uploads: [] });
    const [tombstone] = await app.server.services.db.execute<{ swept: boolean }>(
      sql`select swept_at is not null as swept from job_deletions where job_id = ${jobUuid(job.id)}`,
    );
    // Kept until every URL minted before the delete has expired, for the final sweep.
    expect(tombstone).toEqual({ swept: true });
  });
});
