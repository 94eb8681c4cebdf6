import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startWebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { startTestApp, useTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { CANCEL_JOB, createJob, runMutation, wavInput } from '../support/jobs.js';
import { waitFor } from '../support/worker.js';
import { readDeliveries, startReceiver, waitForSettledDelivery } from './receiver.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '300', WEBHOOK_SECRET: secret };

describe('durable webhook delivery', () => {
  it('still delivers after the API restarts between attempts', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    let receiverUp = false;
    const receiver = await startReceiver(() => (receiverUp ? 200 : 500));

    const first = await startTestApp(env, { databaseUrl: database.url });
    onTestFinished(() => first.stop());
    const job = await createJob(first, wavInput(4, { webhookUrl: `${receiver.url}/hook` }));
    await runMutation(first, CANCEL_JOB, job.id);
    await waitFor(async () => ((await readDeliveries(first, job.id))[0]?.attempts.length >= 1 ? true : undefined), 10_000, 'a failed attempt');
    await first.stop();

    // Nothing answers 200 until the first instance is gone, so the delivery can only complete on the second.
    receiverUp = true;
    const second = await startTestApp(env, { databaseUrl: database.url });
    onTestFinished(() => second.stop());
    const delivery = await waitForSettledDelivery(second, job.id);
    expect(delivery.status).toBe('DELIVERED');
    expect(delivery.attempts.length).toBeGreaterThanOrEqual(2);
    expect(delivery.attempts.at(-1).responseStatus).toBe(200);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([delivery.webhookId]));
    const last = receiver.requests.at(-1)!;
    expect(new Webhook(secret).verify(last.body, last.headers as Record<string, string>)).toMatchObject({ type: 'job.canceled' });
  });

  it('takes over a claim whose instance died, once its lease expires', async () => {
    const app = await useTestApp(env);
    const receiver = await startReceiver();
    await app.server.background.webhookDeliverer.stop(); // this instance plays the dead one
    const job = await createJob(app, wavInput(4, { webhookUrl: receiver.url }));
    await runMutation(app, CANCEL_JOB, job.id);
    await app.server.services.db.execute(
      sql`update webhook_deliveries set attempts = 1, lease_id = gen_random_uuid(), locked_until = now() + interval '1 second'`,
    );

    const survivor = await startWebhookDeliverer({ ...app.server.services, listen: app.server.realtime.connection, publicUrl: app.url });
    onTestFinished(() => survivor.stop());
    const startedAt = Date.now();
    const delivery = await waitForSettledDelivery(app, job.id);
    expect(delivery.status).toBe('DELIVERED');
    expect(receiver.requests[0]!.receivedAt - startedAt).toBeGreaterThanOrEqual(500);
    expect(delivery.attempts.map((attempt: any) => attempt.attempt)).toEqual([2]);
  });
});
