import { randomUUID } from 'node:crypto';
import { CreateMultipartUploadCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { CANCEL_JOB, createJob, GET_JOB, jobUuid, runMutation, upload, wavInput } from '../support/jobs.js';
import { waitFor } from '../support/worker.js';

const EXPIRING = `mutation ($input: CreateJobInput!) { createJob(input: $input) { __typename ... on Job { id expiresAt createdAt } ... on ValidationError { field message } } }`;

async function objectsUnder(app: TestApp, prefix: string): Promise<string[]> {
  const { store } = app.server.services;
  const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((item) => item.Key!);
}

describe('retention: expiry by RETENTION_S, abandoned uploads, orphaned multipart uploads', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A long interval: the test runs passes itself, so nothing happens behind its back.
    // Upload URLs live 6 s: long enough for a loaded machine to create a job and upload to it (the
    // signature's date is whole seconds, so the window can be up to 1 s shorter), short enough for the
    // abandoned-upload case to pass its window quickly.
    app = await startTestApp({ RETENTION_S: '1', ABANDONED_UPLOAD_S: '0', UPLOAD_URL_TTL_S: '6', MAINTENANCE_INTERVAL_MS: '3600000' });
  });
  afterAll(() => app.stop());

  it('gives a job createdAt + RETENTION_S, or the expiresAt asked for (in the future only)', async () => {
    const created = (await app.graphql(EXPIRING, { input: wavInput(4) })).data.createJob;
    // The default is computed just before the row's createdAt is set, so at most RETENTION_S after it.
    expect(created.expiresAt).not.toBeNull();
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBeLessThanOrEqual(1000);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await app.graphql(EXPIRING, { input: wavInput(4, { expiresAt: later }) })).data.createJob.expiresAt).toBe(later);
    const past = (await app.graphql(EXPIRING, { input: wavInput(4, { expiresAt: new Date(Date.now() - 1000).toISOString() }) })).data.createJob;
    expect(past).toMatchObject({ __typename: 'ValidationError', field: 'input.expiresAt' });
    expect(past.message).toMatch(/must be in the future/);
  });

  it('deletes an expired job with its files, as deleteJob does', async () => {
    // Finished, so never an abandoned upload (ABANDONED_UPLOAD_S is 0 here): only its expiry could delete it.
    const job = await createJob(app, wavInput(4, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
    await runMutation(app, CANCEL_JOB, job.id);
    const expiring = await createJob(app, wavInput(4));
    await upload(expiring, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, CANCEL_JOB, expiring.id);
    expect(await objectsUnder(app, `jobs/${jobUuid(expiring.id)}/`)).toHaveLength(1);
    await waitFor(async () => {
      const [row] = await app.server.services.db.execute<{ expired: boolean }>(sql`select expires_at <= now() as expired from jobs where id = ${jobUuid(expiring.id)}`);
      return row!.expired ? true : undefined;
    }, 10_000, 'the job to expire');

    // Final states only: the loop's own first pass may have done part of it, whatever the counts say.
    await app.server.background.maintenance.runOnce();
    expect((await app.graphql(GET_JOB, { id: expiring.id })).data.job).toBeNull();
    expect(await objectsUnder(app, `jobs/${jobUuid(expiring.id)}/`)).toEqual([]);
    // A job whose own expiresAt is later stays.
    expect((await app.graphql(GET_JOB, { id: job.id })).data.job).not.toBeNull();
  });

  it('deletes a job whose upload window closed ABANDONED_UPLOAD_S ago, and aborts multipart uploads no job owns', async () => {
    const abandoned = await createJob(app, wavInput(4, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
    const { store, db } = app.server.services;
    // A multipart upload under a job that no longer exists, and one under a live job (kept).
    const orphanKey = `jobs/${randomUUID()}/attempts/${randomUUID()}/big.mp4`;
    await store.client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: orphanKey, ContentType: 'video/mp4' }));
    const live = await createJob(app, wavInput(4, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
    await db.execute(sql`update jobs set upload_expires_at = now() + interval '1 hour' where id = ${jobUuid(live.id)}`);
    const liveKey = `jobs/${jobUuid(live.id)}/source/big.mp4`;
    await store.client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: liveKey, ContentType: 'video/mp4' }));
    await waitFor(async () => {
      const [row] = await db.execute<{ closed: boolean }>(sql`select upload_expires_at < now() as closed from jobs where id = ${jobUuid(abandoned.id)}`);
      return row!.closed ? true : undefined;
    }, 10_000, 'the upload window to close');

    await app.server.background.maintenance.runOnce();
    expect((await app.graphql(GET_JOB, { id: abandoned.id })).data.job).toBeNull();
    expect((await app.graphql(GET_JOB, { id: live.id })).data.job.status).toBe('AWAITING_UPLOAD');
    expect((await store.listMultipartUploads('jobs/')).map((item) => item.key)).toEqual([liveKey]);
  });
});

describe('history trimming', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ MAINTENANCE_INTERVAL_MS: '3600000' });
  });
  afterAll(() => app.stop());

  it('deletes events and webhook attempts of finished jobs past HISTORY_RETENTION_S (30 days), and nothing newer or unfinished', async () => {
    const finished = await createJob(app, wavInput(4));
    await runMutation(app, CANCEL_JOB, finished.id);
    const waiting = await createJob(app, wavInput(4));
    const { db } = app.server.services;
    const ids = [jobUuid(finished.id), jobUuid(waiting.id)];
    // 2,500 old events on the finished job (more than two batches), 10 old ones on the waiting job.
    await db.execute(sql`insert into job_events (job_id, type, created_at)
      select ${ids[0]}::uuid, 'old', now() - interval '31 days' from generate_series(1, 2500)`);
    await db.execute(sql`insert into job_events (job_id, type, created_at)
      select ${ids[1]}::uuid, 'old', now() - interval '31 days' from generate_series(1, 10)`);
    const [delivery] = await db.execute<{ id: string }>(sql`
      insert into webhook_deliveries (job_id, event_type, status, next_attempt_at) values (${ids[0]}, 'job.test', 'FAILED', null) returning id`);
    await db.execute(sql`insert into webhook_attempts (delivery_id, attempt, attempted_at, duration_ms)
      values (${delivery!.id}, 1, now() - interval '31 days', 5), (${delivery!.id}, 2, now(), 5)`);

    await app.server.background.maintenance.runOnce();
    const counts = await db.execute<{ job_id: string; type: string; count: number }>(sql`
      select job_id, type, count(*)::int as count from job_events where job_id in (${ids[0]}, ${ids[1]}) group by 1, 2 order by 1, 2`);
    expect(counts.filter((row) => row.job_id === ids[0]).map((row) => row.type)).toEqual(['canceled', 'created']);
    expect(counts.find((row) => row.job_id === ids[1] && row.type === 'old')?.count).toBe(10);
    const [attempts] = await db.execute<{ count: number }>(sql`select count(*)::int as count from webhook_attempts where delivery_id = ${delivery!.id}`);
    expect(attempts!.count).toBe(1);
  });
});

describe('the maintenance loop', () => {
  it('runs on one instance of several, by itself, and deletes an expired job there', async () => {
    const database = await createTestDatabase();
    const env = { RETENTION_S: '1', MAINTENANCE_INTERVAL_MS: '200' };
    const first = await startTestApp(env, { databaseUrl: database.url });
    const second = await startTestApp(env, { databaseUrl: database.url });
    try {
      const loops = [first, second].map((app) => app.server.background.maintenance);
      await waitFor(async () => (loops.some((loop) => loop.isLeader()) ? true : undefined), 20_000, 'a maintenance leader');
      expect(loops.filter((loop) => loop.isLeader())).toHaveLength(1);
      const job = await createJob(first, wavInput(4));
      await waitFor(async () => ((await first.graphql(GET_JOB, { id: job.id })).data.job === null ? true : undefined), 20_000, 'the expired job to go');
    } finally {
      await second.stop();
      await first.stop();
      await database.drop();
    }
  });
});
