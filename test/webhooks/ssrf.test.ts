import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, runMutation, wavInput } from '../support/jobs.js';
import { startReceiver, waitForSettledDelivery } from './receiver.js';

describe('the webhook SSRF guard in production mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(() => app.stop());

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://localhost:8080/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://10.0.0.5/hook', 'private'],
    ['http://[::ffff:192.168.1.1]/hook', 'private'],
    ['http://[fd00:ec2::254]/hook', 'private'],
  ])('refuses %s at createJob (%s)', async (webhookUrl, category) => {
    const result = await createJob(app, wavInput(4, { webhookUrl }));
    expect(result).toMatchObject({ __typename: 'ValidationError', field: 'input.webhookUrl' });
    expect(result.message).toBe(`input.webhookUrl must reach a public address, but its host is a ${category} address`);
  });

  it('refuses at delivery a URL that has come to point at a private address, and sends nothing', async () => {
    const receiver = await startReceiver();
    const job = await createJob(app, wavInput(4, { webhookUrl: 'http://93.184.216.34/hook' }));
    expect(job.__typename).toBe('Job');
    // What DNS rebinding would do: the host checked at createJob now leads to this machine.
    await app.server.services.db.execute(sql`update jobs set webhook_url = ${receiver.url} where webhook_url = 'http://93.184.216.34/hook'`);
    await runMutation(app, CANCEL_JOB, job.id);
    const delivery = await waitForSettledDelivery(app, job.id);
    expect(delivery).toMatchObject({
      status: 'FAILED',
      responseStatus: null,
      nextAttemptAt: null,
      error: 'refused: the webhook URL must reach a public address, but its host is a loopback address',
    });
    expect(delivery.attempts).toHaveLength(1);
    expect(receiver.requests).toHaveLength(0);
  });
});
