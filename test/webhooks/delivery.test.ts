import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCredential } from '../../src/workers/credentials.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, runMutation, START_JOB, upload, wavInput, jobUuid } from '../support/jobs.js';
import { waitFor } from '../support/worker.js';
import { gate, readDeliveries, startReceiver, waitForSettledDelivery } from './receiver.js';

describe('webhook delivery', () => {
  let app: TestApp;
  let verifier: Webhook;
  beforeAll(async () => {
    app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '400' });
    verifier = new Webhook(app.server.services.webhookSecret);
  });
  afterAll(() => app.stop());

  /** A job with a webhook, canceled: the quickest way to a terminal status. */
  const cancelWithWebhook = async (webhookUrl: string) => {
    const job = await createJob(app, wavInput(4, { webhookUrl, metadata: { order: '42' } }));
    await runMutation(app, CANCEL_JOB, job.id);
    return job.id as string;
  };

  /** A job taken through the worker protocol to COMPLETED or FAILED. */
  const runToEnd = async (webhookUrl: string, outcome: 'complete' | 'fail') => {
    const job = await createJob(app, wavInput(4, { webhookUrl }));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, START_JOB, job.id);
    const worker = (path: string, token: string, body: unknown) =>
      fetch(`${app.url}/worker/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }).then((response) => response.json() as Promise<any>);
    const { job: claimed } = await worker('/claim', machineCredential(app.server.services.signingKey), { machineId: 'm1', waitMs: 0 });
    if (outcome === 'fail') {
      await worker(`/jobs/${claimed.id}/fail`, claimed.token, { code: 'INPUT_UNREADABLE', message: 'Not a media file', detail: null });
    } else {
      const grant = await worker(`/jobs/${claimed.id}/uploads`, claimed.token, { files: [{ path: 'mp3-128k.mp3', contentType: 'audio/mpeg', sizeBytes: 3 }] });
      await fetch(grant.files[0].upload.url, { method: 'PUT', headers: grant.files[0].upload.headers, body: 'mp3' });
      const loudness = { integratedLufs: -16.1, truePeakDb: -1.2, rangeLu: 2.5 };
      const outputs = [{ name: 'mp3-128k', sizeBytes: 3, durationSeconds: 1, skippedReason: null, loudness }];
      await worker(`/jobs/${claimed.id}/complete`, claimed.token, { outputs, notices: [], sourceDurationSeconds: 1 });
    }
    return job.id as string;
  };

  it('signs each webhook per Standard Webhooks, so the standardwebhooks verifier accepts it', async () => {
    const receiver = await startReceiver();
    const jobId = await cancelWithWebhook(`${receiver.url}/hooks?token=abc`);
    const [request] = await receiver.waitForRequests(1);
    const payload = verifier.verify(request!.body, request!.headers as Record<string, string>) as any;
    expect(payload).toMatchObject({ type: 'job.canceled', data: { job: { id: jobId, status: 'CANCELED', error: null, metadata: { order: '42' } } } });
    expect(payload.data.job.outputs).toEqual([expect.objectContaining({ name: 'mp3-128k', url: null })]);
    expect(Date.parse(payload.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(() => verifier.verify(request!.body.replace('CANCELED', 'COMPLETED'), request!.headers as Record<string, string>)).toThrow();
  });

  it('sends job.completed with download URLs minted at delivery time', async () => {
    const receiver = await startReceiver();
    const jobId = await runToEnd(receiver.url, 'complete');
    const [request] = await receiver.waitForRequests(1);
    const { type, data } = JSON.parse(request!.body);
    expect(type).toBe('job.completed');
    expect(data.job).toMatchObject({ id: jobId, status: 'COMPLETED', attempts: 1, source: { filename: 'tone.wav', sizeBytes: 4 } });
    expect(data.job.finishedAt).not.toBeNull();
    expect(data.job.outputs).toEqual([
      expect.objectContaining({ name: 'mp3-128k', sizeBytes: 3, width: null, height: null, loudness: { integratedLufs: -16.1, truePeakDb: -1.2, rangeLu: 2.5 }, url: expect.any(String) }),
    ]);
    expect(await (await fetch(data.job.outputs[0].url)).text()).toBe('mp3');
  });

  it('sends job.failed with the job’s error', async () => {
    const receiver = await startReceiver();
    await runToEnd(receiver.url, 'fail');
    const [request] = await receiver.waitForRequests(1);
    const { type, data } = JSON.parse(request!.body);
    expect(type).toBe('job.failed');
    expect(data.job.error).toEqual({ code: 'INPUT_UNREADABLE', message: 'Not a media file' });
  });

  it('retries 500, 500 then 200 as one delivery with three attempts under one webhook-id', async () => {
    const receiver = await startReceiver((index) => (index < 2 ? 500 : 200));
    const jobId = await cancelWithWebhook(receiver.url);
    const delivery = await waitForSettledDelivery(app, jobId);
    const requests = receiver.requests;
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([delivery.webhookId]));
    for (const request of requests) expect(() => verifier.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    // Backoff: at least half the 100 ms base, then half of 200 ms.
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(45);
    expect(requests[2]!.receivedAt - requests[1]!.receivedAt).toBeGreaterThanOrEqual(95);

    expect(delivery).toMatchObject({ eventType: 'job.canceled', status: 'DELIVERED', responseStatus: 200, error: null, nextAttemptAt: null });
    expect(delivery.deliveredAt).not.toBeNull();
    expect(delivery.attempts.map((attempt: any) => [attempt.attempt, attempt.responseStatus])).toEqual([[1, 500], [2, 500], [3, 200]]);
    expect(delivery.attempts[0].error).toBe('the receiver answered HTTP 500: answered 500');
    expect(delivery.attemptedAt).toBe(delivery.attempts[2].attemptedAt);
  });

  it('shows when a failed delivery is retried', async () => {
    const retry = gate();
    const receiver = await startReceiver(async (index) => {
      if (index === 0) return 503;
      await retry.opened;
      return 200;
    });
    const jobId = await cancelWithWebhook(receiver.url);
    await receiver.waitForRequests(2); // the first attempt is recorded; the retry is in flight
    const [pending] = await readDeliveries(app, jobId);
    expect(pending).toMatchObject({ status: 'PENDING', responseStatus: 503, deliveredAt: null });
    expect(pending.attempts).toHaveLength(1);
    expect(Date.parse(pending.nextAttemptAt) - Date.parse(pending.attemptedAt)).toBeGreaterThanOrEqual(45);
    retry.open();
    expect((await waitForSettledDelivery(app, jobId)).status).toBe('DELIVERED');
  });

  it('stops retrying when the receiver answers 410 Gone', async () => {
    const receiver = await startReceiver(() => 410);
    const jobId = await cancelWithWebhook(receiver.url);
    const delivery = await waitForSettledDelivery(app, jobId);
    expect(delivery).toMatchObject({ status: 'FAILED', responseStatus: 410, nextAttemptAt: null, deliveredAt: null });
    expect(delivery.error).toMatch(/410 Gone/);
    await new Promise((resolve) => setTimeout(resolve, 600)); // several backoff periods
    expect(receiver.requests).toHaveLength(1);
  });

  it('times out a slow receiver and retries it', async () => {
    const receiver = await startReceiver(async (index) => {
      if (index === 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
      return 200;
    });
    const jobId = await cancelWithWebhook(receiver.url);
    const delivery = await waitForSettledDelivery(app, jobId);
    expect(delivery.status).toBe('DELIVERED');
    expect(delivery.attempts.map((attempt: any) => [attempt.responseStatus, attempt.error])).toEqual([
      [null, 'timed out after 400 ms'],
      [200, null],
    ]);
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(390);
  });

  it('fails a delivery whose retry would fall after the retry window', async () => {
    const answer = gate();
    const receiver = await startReceiver(async () => {
      await answer.opened;
      return 500;
    });
    const jobId = await cancelWithWebhook(receiver.url);
    await receiver.waitForRequests(1);
    // The event is now older than the 24 h window, as if every earlier retry had failed.
    await app.server.services.db.execute(sql`update webhook_deliveries set created_at = now() - interval '2 days' where job_id = ${jobUuid(jobId)}`);
    answer.open();
    const delivery = await waitForSettledDelivery(app, jobId);
    expect(delivery).toMatchObject({ status: 'FAILED', responseStatus: 500, nextAttemptAt: null });
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends nothing for a job without a webhook URL', async () => {
    const job = await createJob(app, wavInput(4));
    await runMutation(app, CANCEL_JOB, job.id);
    expect(await readDeliveries(app, job.id)).toEqual([]);
    const rows = await app.server.services.sql`select count(*)::int as count from webhook_deliveries where job_id = ${jobUuid(job.id)}`;
    expect(rows[0]!.count).toBe(0);
  });

  it('shows a job’s deliveries only to its tenant', async () => {
    const receiver = await startReceiver();
    const jobId = await cancelWithWebhook(receiver.url);
    await waitForSettledDelivery(app, jobId);
    const other = await app.graphql(`query ($id: ID!) { job(id: $id) { webhookDeliveries { webhookId } } }`, { id: jobId }, TEST_KEYS[1]);
    expect(other.data.job).toBeNull();
  });
});

