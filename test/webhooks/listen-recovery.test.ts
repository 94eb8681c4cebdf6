import { describe, expect, it, onTestFinished } from 'vitest';
import { startWebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { useTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { CANCEL_JOB, createJob, runMutation, wavInput } from '../support/jobs.js';
import { startTcpProxy } from '../realtime/support/tcp-proxy.js';
import { startReceiver, waitForSettledDelivery } from './receiver.js';

describe('the webhook deliverer', () => {
  it('notices a half-open LISTEN socket and finds the delivery enqueued meanwhile', async () => {
    const database = await createTestDatabase();
    onTestFinished(() => database.drop());
    const proxy = await startTcpProxy(Number(new URL(database.url).port));
    onTestFinished(() => proxy.close());
    const app = await useTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' }, { databaseUrl: proxy.url(database.url) });
    const receiver = await startReceiver();

    // A deliverer that never looks at the table on its own within the test: only a NOTIFY, or the
    // resync after its LISTEN session is re-established, can wake it.
    await app.server.background.webhookDeliverer.stop();
    const deliverer = await startWebhookDeliverer(
      { ...app.server.services, listen: app.server.realtime.connection, publicUrl: app.url },
      { maxIdleMs: 10 * 60_000 },
    );
    onTestFinished(() => deliverer.stop());

    expect(proxy.freeze('listen "ffly_webhook_due"')).toBe(1);
    // The trigger's NOTIFY goes to the frozen session and is lost.
    const job = await createJob(app, wavInput(4, { webhookUrl: `${receiver.url}/hook` }));
    await runMutation(app, CANCEL_JOB, job.id);
    const delivery = await waitForSettledDelivery(app, job.id, 30_000);
    expect(delivery.status).toBe('DELIVERED');
  }, 60_000);
});
