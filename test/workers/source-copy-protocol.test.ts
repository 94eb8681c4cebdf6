import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB } from '../support/jobs.js';

/** The worker protocol's side of a URL source: the claim, the copy's grant and its record, lease-guarded. */
describe('the copy of a URL source, through the worker protocol', () => {
  let app: TestApp;
  let credential: string;
  beforeAll(async () => {
    app = await startTestApp({ INGEST_ALLOW_PRIVATE: 'false', MAX_UPLOAD_BYTES: '1000000' });
    credential = machineCredential(app.server.services.signingKey);
  });
  afterAll(() => app.stop());

  const post = async (path: string, token: string, body: unknown = {}) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('hands out the URL to fetch (not a store URL), takes the copy once, and later claims download it', async () => {
    const created = await createJob(app, { source: { url: 'https://93.184.216.34/media/talk.wav?sig=1' }, outputs: [{ audio: { format: 'MP3' } }] });
    const claimed: ClaimedJob = (await post('/claim', credential, { machineId: 'm1', waitMs: 0 })).body.job;
    expect(claimed.source).toEqual({
      url: null,
      filename: 'talk.wav',
      sizeBytes: null,
      contentType: null,
      fetch: { url: 'https://93.184.216.34/media/talk.wav?sig=1', allowPrivate: false, maxBytes: 1_000_000, connectTimeoutMs: 10_000, idleTimeoutMs: 30_000 },
    });
    expect((await app.graphql(GET_JOB, { id: created.id })).data.job.progress.phase).toBe('FETCHING');

    const jobPath = `/jobs/${claimed.id}`;
    expect((await post(`${jobPath}/source`, claimed.token, { sizeBytes: 2_000_000, contentType: 'audio/wav' })).status).toBe(400);
    const grant = await post(`${jobPath}/source`, claimed.token, { sizeBytes: 4, contentType: 'audio/wav' });
    expect(grant.body.single.url).toMatch(/^http/);
    // Claimed before the copy is in the store: refused, and nothing recorded.
    expect((await post(`${jobPath}/source/complete`, claimed.token, { sizeBytes: 4, multipart: null })).status).toBe(422);
    const put = await fetch(grant.body.single.url, { method: 'PUT', headers: grant.body.single.headers, body: new Uint8Array([1, 2, 3, 4]) });
    expect(put.ok).toBe(true);
    expect((await post(`${jobPath}/source/complete`, claimed.token, { sizeBytes: 4, multipart: null })).body).toEqual({ status: 'ok' });
    expect((await app.graphql(GET_JOB, { id: created.id })).data.job.source.sizeBytes).toBe(4);
    // Once recorded, there is nothing left to copy.
    expect((await post(`${jobPath}/source`, claimed.token, { sizeBytes: 4, contentType: 'audio/wav' })).status).toBe(400);

    // The next attempt downloads the copy.
    await post(`${jobPath}/release`, claimed.token, { reason: 'test' });
    const again: ClaimedJob = (await post('/claim', credential, { machineId: 'm2', waitMs: 0 })).body.job;
    expect(again.source.fetch).toBeNull();
    expect(again.source.sizeBytes).toBe(4);
    expect(new Uint8Array(await (await fetch(again.source.url!)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));
    // The first lease can record nothing any more.
    expect((await post(`${jobPath}/source/complete`, claimed.token, { sizeBytes: 4, multipart: null })).status).toBe(409);
  });
});
