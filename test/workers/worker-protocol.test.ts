import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { claimNextJob } from '../../src/jobs/sql/claim-job.js';
import { JOB_CHANNEL, jobChangeEvent } from '../../src/realtime/job-notifications.js';
import { encodeBatch } from '../../src/realtime/notification-batch.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, runMutation, START_JOB, upload, wavInput, jobUuid } from '../support/jobs.js';

describe('the worker protocol', () => {
  let app: TestApp;
  let credential: string;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '1000', MAX_ATTEMPTS: '2', RETRY_BASE_MS: '0' });
    credential = machineCredential(app.server.services.signingKey);
  });
  afterAll(() => app.stop());

  const post = async (path: string, token: string | null, body: unknown = {}) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const claim = async (waitMs = 0, machineId = 'machine-1'): Promise<ClaimedJob | null> => {
    const result = await post('/claim', credential, { machineId, waitMs });
    expect(result.status).toBe(200);
    return result.body.job;
  };
  const queueJob = async (extra: Record<string, unknown> = {}) => {
    const job = await createJob(app, wavInput(4, extra));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, START_JOB, job.id);
    return job.id as string;
  };
  const readJob = async (id: string) => (await app.graphql(GET_JOB, { id })).data.job;
  /**
   * Ends every job still queued or running, so each test starts with an empty queue and no lease the
   * background reaper could expire under it.
   */
  const drain = async () => {
    await app.server.services.db.execute(sql`update jobs set status = 'FAILED', lease_expires_at = null where status in ('QUEUED', 'RUNNING')`);
  };

  it('hands a queued job to a claimer with its spec, a source URL, its renditions and a job token', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    expect(claimed.spec.outputs[0]).toMatchObject({ kind: 'audio', format: 'MP3', bitrateKbps: 128 });
    expect(claimed.attempt).toBe(1);
    expect(await (await fetch(claimed.source.url!)).arrayBuffer()).toEqual(new Uint8Array([1, 2, 3, 4]).buffer);
    expect(claimed.outputs).toEqual([{ name: 'mp3-128k', fileName: 'mp3-128k.mp3', contentType: 'audio/mpeg' }]);
    const job = await readJob(id);
    expect(job).toMatchObject({ status: 'RUNNING', attempts: 1, machineId: 'machine-1', progress: { phase: 'DOWNLOADING', percent: 0 } });
  });

  it('claims by priority, then age', async () => {
    await drain();
    const low = await queueJob();
    const high = await queueJob({ priority: 5 });
    const first = (await claim())!;
    const second = (await claim())!;
    expect([first.id, second.id]).toEqual([jobUuid(high), jobUuid(low)]);
  });

  it('gives each of many concurrent claimers a different job', async () => {
    await drain();
    for (let index = 0; index < 5; index++) await queueJob();
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim()));
    const ids = claims.filter(Boolean).map((job) => job!.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('wakes a waiting claimer as soon as a job is queued', async () => {
    await drain();
    const waiting = claim(10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const id = await queueJob();
    expect((await waiting)?.id).toBe(jobUuid(id));
  });

  it('records progress (never decreasing) and tells the worker when the job was canceled', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    const report = (percent: number) =>
      post(`/jobs/${claimed.id}/progress`, claimed.token, { phase: 'TRANSCODING', percent, speed: 2, etaSeconds: 3, outTimeSeconds: 1, sourceDurationSeconds: 10 });
    expect((await report(40)).body).toEqual({ status: 'ok' });
    await report(30);
    const job = await readJob(id);
    expect(job.progress).toMatchObject({ phase: 'TRANSCODING', percent: 40, speed: 2, etaSeconds: 3 });
    expect(job.source.durationSeconds).toBe(10);
    await runMutation(app, CANCEL_JOB, id);
    expect((await report(50)).body).toEqual({ status: 'canceled' });
  });

  it('completes a job only when its outputs are in the store', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    const result = { outputs: [{ name: 'mp3-128k', sizeBytes: 3, durationSeconds: 1, skippedReason: null }], notices: [], sourceDurationSeconds: 1 };
    expect((await post(`/jobs/${claimed.id}/complete`, claimed.token, result)).status).toBe(422);
    const grant = await post(`/jobs/${claimed.id}/uploads`, claimed.token, { files: [{ path: 'mp3-128k.mp3', contentType: 'audio/mpeg', sizeBytes: 3 }] });
    const { url, headers } = grant.body.files[0].upload;
    await fetch(url, { method: 'PUT', headers, body: 'mp3' });
    expect((await post(`/jobs/${claimed.id}/complete`, claimed.token, result)).body).toEqual({ status: 'ok' });
    const job = await readJob(id);
    expect(job.status).toBe('COMPLETED');
    expect(job.progress.percent).toBe(100);
    expect(job.outputs[0]).toMatchObject({ name: 'mp3-128k', sizeBytes: 3, durationSeconds: 1 });
    expect(await (await fetch(job.outputs[0].url)).text()).toBe('mp3');
  });

  it('records a substitute rendition beside its output, with every reported fact, in the completing statement', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    const files = [
      { path: 'mp3-128k.mp3', contentType: 'audio/mpeg', sizeBytes: 3 },
      { path: 'mp3-sub.mp3', contentType: 'audio/mpeg', sizeBytes: 3 },
    ];
    const grant = await post(`/jobs/${claimed.id}/uploads`, claimed.token, { files });
    for (const file of grant.body.files) await fetch(file.upload.url, { method: 'PUT', headers: file.upload.headers, body: 'mp3' });
    const loudness = { integratedLufs: -16, truePeakDb: -1.5, rangeLu: 4 };
    const result = {
      outputs: [
        { name: 'mp3-128k', sizeBytes: 3, durationSeconds: 1, skippedReason: null, loudness },
        { name: 'mp3-sub', sizeBytes: 3, durationSeconds: 2, skippedReason: null, substitute: { outputIndex: 0, fileName: 'mp3-sub.mp3', contentType: 'audio/mpeg' } },
      ],
      notices: ['a notice'],
      sourceDurationSeconds: 1,
    };
    expect((await post(`/jobs/${claimed.id}/complete`, claimed.token, result)).body).toEqual({ status: 'ok' });
    const rows = await app.server.services.sql`select name, position, content_type, key, size_bytes::int as size_bytes, duration_seconds, loudness from job_outputs where job_id = ${jobUuid(id)} order by position`;
    const leaseId = (await app.server.services.sql`select lease_id from jobs where id = ${jobUuid(id)}`)[0]!.lease_id as string;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      expect.objectContaining({ name: 'mp3-128k', size_bytes: 3, duration_seconds: 1, loudness, key: expect.stringContaining(leaseId) }),
      expect.objectContaining({ name: 'mp3-sub', position: rows[0]!.position + 1, content_type: 'audio/mpeg', size_bytes: 3, duration_seconds: 2, key: expect.stringContaining(leaseId) }),
    ]);
    expect(await readJob(id)).toMatchObject({ status: 'COMPLETED', notices: ['a notice'] });
  });

  it('fails a job that produced no output at all with NO_OUTPUTS instead of completing it', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    const skipped = { outputs: [{ name: 'mp3-128k', sizeBytes: null, durationSeconds: null, skippedReason: 'the source has no audio' }], notices: [], sourceDurationSeconds: 1 };
    expect((await post(`/jobs/${claimed.id}/complete`, claimed.token, skipped)).body).toEqual({ status: 'ok' });
    expect(await readJob(id)).toMatchObject({ status: 'FAILED', error: { code: 'NO_OUTPUTS', message: expect.stringContaining('the source has no audio') } });
  });

  it('requeues a retryable failure (counting the attempt) and fails it on the last attempt', async () => {
    await drain();
    const id = await queueJob();
    const first = (await claim())!;
    await post(`/jobs/${first.id}/fail`, first.token, { code: 'WORKER_FILES_LOST', message: 'gone', detail: null });
    expect(await readJob(id)).toMatchObject({ status: 'QUEUED', attempts: 1, error: null });
    const second = (await claim())!;
    await post(`/jobs/${second.id}/fail`, second.token, { code: 'DISK_FULL', message: 'full', detail: null });
    expect(await readJob(id)).toMatchObject({ status: 'FAILED', attempts: 2, error: { code: 'DISK_FULL' } });
  });

  it('fails a job with the worker’s code and message', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    await post(`/jobs/${claimed.id}/fail`, claimed.token, { code: 'INPUT_UNREADABLE', message: 'Not a media file', detail: 'moov atom not found' });
    expect((await readJob(id)).error).toEqual({ code: 'INPUT_UNREADABLE', message: 'Not a media file' });
  });

  it('takes a job back when its worker releases it, without counting the attempt', async () => {
    await drain();
    const id = await queueJob();
    const claimed = (await claim())!;
    await post(`/jobs/${claimed.id}/release`, claimed.token, { reason: 'SIGTERM' });
    expect(await readJob(id)).toMatchObject({ status: 'QUEUED', attempts: 0, progress: null });
    // Recorded as an event whose detail is a JSON object (the prepared statement binds it as jsonb once).
    const [event] = await app.server.services.sql`select detail from job_events where job_id = ${claimed.id} and type = 'released'`;
    expect(event?.detail).toEqual({ reason: 'SIGTERM' });
  });

  it('requeues a job whose lease expired, refuses the old worker, and fails it with WORKER_LOST after MAX_ATTEMPTS', async () => {
    await drain();
    const id = await queueJob();
    const first = (await claim())!;
    await app.server.services.db.execute(sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${first.id}`);
    await app.server.background.leaseReaper.sweep();
    expect(await readJob(id)).toMatchObject({ status: 'QUEUED', attempts: 1 });

    const second = (await claim())!;
    expect(second.attempt).toBe(2);
    const late = await post(`/jobs/${first.id}/progress`, first.token, { phase: 'TRANSCODING', percent: 90 });
    expect(late).toEqual({ status: 409, body: { status: 'lost' } });
    const lateComplete = await post(`/jobs/${first.id}/complete`, first.token, { outputs: [{ name: 'mp3-128k', sizeBytes: null, durationSeconds: null, skippedReason: 'x' }], notices: [], sourceDurationSeconds: null });
    expect(lateComplete.status).toBe(409);

    await app.server.services.db.execute(sql`update jobs set lease_expires_at = now() - interval '1 second' where id = ${second.id}`);
    await app.server.background.leaseReaper.sweep();
    expect(await readJob(id)).toMatchObject({ status: 'FAILED', attempts: 2, error: { code: 'WORKER_LOST' } });
    const events = await app.server.services.sql`select type, to_status from job_events where job_id = ${second.id} order by id`;
    expect(events.map((event) => `${event.type}:${event.to_status}`)).toEqual([
      'created:AWAITING_UPLOAD', 'queued:QUEUED', 'claimed:RUNNING', 'lease_expired:QUEUED', 'claimed:RUNNING', 'lease_expired:FAILED',
    ]);
  });

  it('lets a job token act only on its own job, and a machine credential only claim', async () => {
    await drain();
    await queueJob();
    await queueJob();
    const a = (await claim())!;
    const b = (await claim())!;
    expect((await post(`/jobs/${b.id}/progress`, a.token, { phase: 'TRANSCODING', percent: 1 })).status).toBe(403);
    expect((await post(`/jobs/${a.id}/progress`, credential, { phase: 'TRANSCODING', percent: 1 })).status).toBe(403);
    expect((await post('/claim', a.token, {})).status).toBe(401);
    expect((await post('/claim', null, {})).status).toBe(401);
    expect((await post(`/jobs/${a.id}/progress`, `${a.token}x`, { phase: 'TRANSCODING', percent: 1 })).status).toBe(403);
  });

  it('refuses worker credentials on the public API', async () => {
    await drain();
    await queueJob();
    const claimed = (await claim())!;
    for (const token of [credential, claimed.token]) {
      const result = await app.graphql('{ jobs { edges { cursor } } }', {}, token);
      expect(result.status).toBe(401);
      expect(result.data).toBeUndefined();
    }
  });

  it('answers a waiting claimer at once when the instance stops, so shutdown does not wait out the long poll', async () => {
    const other = await startTestApp();
    const otherCredential = machineCredential(other.server.services.signingKey);
    const waiting = fetch(`${other.url}/worker/v1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${otherCredential}` },
      body: JSON.stringify({ machineId: null, waitMs: 20_000 }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await other.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await (await waiting).json()).toEqual({ job: null });
  });

  it('answers malformed worker requests with a 400 that says what is wrong', async () => {
    const result = await post('/claim', credential, { waitMs: 'soon' });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatch(/waitMs/);
  });

  it('hands out a multipart upload for a large output and assembles its parts', async () => {
    await drain();
    await queueJob();
    const claimed = (await claim())!;
    const size = 70 * 1024 * 1024;
    const grant = await post(`/jobs/${claimed.id}/uploads`, claimed.token, { files: [{ path: 'big.mp4', contentType: 'video/mp4', sizeBytes: size }] });
    const file = grant.body.files[0];
    expect(file).toMatchObject({ path: 'big.mp4', kind: 'multipart', partSizeBytes: 16 * 1024 * 1024 });
    expect(file.parts).toHaveLength(5);
    // The store enforces S3's 5 MiB minimum for every part but the last: a 5 MiB first part, a short last one.
    const bodies = [Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.from('tail;')];
    const parts = [];
    for (const [index, part] of file.parts.slice(0, 2).entries()) {
      const response = await fetch(part.url, { method: 'PUT', body: bodies[index] });
      expect(response.status).toBe(200);
      parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
    }
    const completed = await post(`/jobs/${claimed.id}/uploads/complete`, claimed.token, { path: 'big.mp4', uploadId: file.uploadId, parts });
    expect(completed.status).toBe(200);
    const { store } = app.server.services;
    const assembled = await store.getText(`jobs/${claimed.id}/attempts/${leaseOf(claimed)}/big.mp4`);
    expect(assembled?.length).toBe(5 * 1024 * 1024 + 5);
    expect(assembled?.endsWith('aaaatail;')).toBe(true);
  });

  it('presigns upload URLs only under the attempt’s own output directory', async () => {
    await drain();
    await queueJob();
    const claimed = (await claim())!;
    const bad = await post(`/jobs/${claimed.id}/uploads`, claimed.token, { files: [{ path: '../other/x.ts', contentType: 'video/mp2t', sizeBytes: 1 }] });
    expect(bad.status).toBe(400);
    const good = await post(`/jobs/${claimed.id}/uploads`, claimed.token, { files: [{ path: 'hls/seg_0.ts', contentType: 'video/mp2t', sizeBytes: 3 }] });
    expect(good.body.files[0]).toMatchObject({ path: 'hls/seg_0.ts', kind: 'single' });
    expect(good.body.files[0].upload.url).toContain(`jobs/${claimed.id}/attempts/${leaseOf(claimed)}/hls/seg_0.ts`);
  });
});


/** The lease id a job token names (`ffj_<job>.<lease>.<mac>`). */
function leaseOf(claimed: ClaimedJob): string {
  return claimed.token.split('.')[1]!;
}

describe('the claim notification', () => {
  it('is the payload notifyJobChanged sends for a status change, so every listener reads it the same way', async () => {
    const app = await startTestApp();
    try {
      const { services } = app.server;
      const seen: string[] = [];
      const listening = await services.sql.listen(JOB_CHANNEL, (payload) => seen.push(payload));
      const job = await createJob(app, wavInput(4));
      await upload(job, new Uint8Array([1, 2, 3, 4]));
      await runMutation(app, START_JOB, job.id);
      const claimed = (await claimNextJob(services.db, { machineId: 'm', leaseMs: 10_000 }))!;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await listening.unlisten();
      expect(JSON.parse(seen.at(-1)!)).toEqual(JSON.parse(encodeBatch({}, [jobChangeEvent(claimed)])[0]!));
      expect(claimed).toMatchObject({ status: 'RUNNING', attempts: 1, machineId: 'm' });
      expect(claimed.startedAt).toBeInstanceOf(Date);
    } finally {
      await app.stop();
    }
  });
});
