import net from 'node:net';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';
import { waitFor } from '../support/worker.js';

function workerApi(app: TestApp) {
  const credential = machineCredential(app.server.services.signingKey);
  const post = async (path: string, token: string, body: unknown) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return {
    post,
    claim: async (): Promise<ClaimedJob> => (await post('/claim', credential, { machineId: 'm', waitMs: 0 })).body.job,
    credential,
  };
}

async function queueJob(app: TestApp): Promise<string> {
  const job = await createJob(app, wavInput(4));
  await upload(job, new Uint8Array([1, 2, 3, 4]));
  await runMutation(app, START_JOB, job.id);
  return job.id as string;
}

describe('a worker whose lease was taken back', () => {
  it('can change nothing a client reads: its token and its upload URL are refused or land where nobody looks', async () => {
    const app = await useTestApp({ LEASE_MS: '1000', RETRY_BASE_MS: '0' });
    const { post, claim } = workerApi(app);
    const id = await queueJob(app);
    const file = { path: 'mp3-128k.mp3', contentType: 'audio/mpeg', sizeBytes: 5 };
    const completion = { outputs: [{ name: 'mp3-128k', sizeBytes: 5, durationSeconds: 1, skippedReason: null }], notices: [], sourceDurationSeconds: 1 };

    // Attempt 1 gets its upload URL, then goes quiet; the reaper takes the job back.
    const stale = await claim();
    const staleGrant = (await post(`/jobs/${stale.id}/uploads`, stale.token, { files: [file] })).body.files[0].upload;
    await app.server.services.db.execute(sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${stale.id}`);
    await app.server.background.leaseReaper.sweep();

    // Attempt 2 does the work and completes.
    const current = await claim();
    expect(current.attempt).toBe(2);
    const grant = (await post(`/jobs/${current.id}/uploads`, current.token, { files: [file] })).body.files[0].upload;
    expect((await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'good!' })).status).toBe(200);
    expect((await post(`/jobs/${current.id}/complete`, current.token, completion)).body).toEqual({ status: 'ok' });

    // The stale worker wakes up: every call is refused, whatever it carries.
    expect(await post(`/jobs/${stale.id}/uploads`, stale.token, { files: [file] })).toEqual({ status: 409, body: { status: 'lost' } });
    expect((await post(`/jobs/${stale.id}/uploads/complete`, stale.token, { path: file.path, uploadId: 'x', parts: [{ partNumber: 1, etag: 'e' }] })).status).toBe(409);
    expect((await post(`/jobs/${stale.id}/progress`, stale.token, { phase: 'UPLOADING', percent: 99 })).status).toBe(409);
    expect((await post(`/jobs/${stale.id}/complete`, stale.token, completion)).status).toBe(409);
    expect((await post(`/jobs/${stale.id}/fail`, stale.token, { code: 'OUTPUT_INVALID', message: 'x', detail: null })).status).toBe(409);
    // Its presigned PUT may still reach the store, but under its own attempt's keys, which no reader uses.
    await fetch(staleGrant.url, { method: 'PUT', headers: staleGrant.headers, body: 'stale' }).catch(() => {});

    const job = (await app.graphql(GET_JOB, { id })).data.job;
    expect(job).toMatchObject({ status: 'COMPLETED', attempts: 2, outputs: [{ name: 'mp3-128k', sizeBytes: 5 }] });
    expect(await (await fetch(job.outputs[0].url)).text()).toBe('good!');
  });
});

describe('a claim for a long poll whose client hung up', () => {
  it('is handed straight back: the job stays QUEUED with its attempts unchanged', async () => {
    const app = await useTestApp({ LEASE_MS: '60000' });
    const { credential } = workerApi(app);
    const id = await queueJob(app);
    const admin = postgres(app.server.services.config.databaseUrl!, { max: 2, onnotice: () => {} });
    try {
      // Hold the claim statement inside the database, so the client can hang up while it runs.
      const lock = admin.reserve();
      const connection = await lock;
      await connection`begin`;
      await connection`lock table jobs in exclusive mode`;
      const socket = net.connect(new URL(app.url).port as unknown as number, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const body = JSON.stringify({ machineId: 'gone', waitMs: 0 });
      socket.write(
        `POST /worker/v1/claim HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${credential}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await waitFor(async () => {
        const [waiting] = await admin`select count(*)::int as count from pg_stat_activity where wait_event_type = 'Lock' and query like '%claimed as%'`;
        return waiting!.count > 0 ? true : undefined;
      }, 10_000, 'the claim to wait on the lock');
      socket.destroy();
      // Let the server see the hang-up before the claim can proceed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await connection`commit`;
      connection.release();
      await waitFor(async () => {
        const [event] = await admin`select count(*)::int as count from job_events where type in ('claimed', 'returned')`;
        return event!.count >= 2 ? true : undefined;
      }, 10_000, 'the claim to be made and handed back');
      expect((await app.graphql(GET_JOB, { id })).data.job).toMatchObject({ status: 'QUEUED', attempts: 0, machineId: null });
    } finally {
      await admin.end();
    }
  });
});
