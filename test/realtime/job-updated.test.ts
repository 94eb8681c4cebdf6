import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { percentNeverDecreases, subscribeOverSse, subscribeOverWebSocket } from './support/subscribers.js';
import { createWorkerDriver, sleep, type WorkerDriver } from './support/worker-driver.js';

const [KEY_A, KEY_B] = TEST_KEYS;

describe('Subscription.jobUpdated', () => {
  let app: TestApp;
  let worker: WorkerDriver;
  beforeAll(async () => {
    app = await startTestApp();
    worker = createWorkerDriver(app);
  });
  afterAll(() => app.stop());

  it('sends the current state first, then each change, and completes after the terminal event (graphql-ws)', async () => {
    const id = await worker.queueJob(app);
    const subscriber = subscribeOverWebSocket({ url: () => app.url, jobId: id, key: KEY_A });
    await subscriber.until((event) => event.status === 'QUEUED');
    const claimed = await worker.claim(app.url, id);
    await subscriber.until((event) => event.status === 'RUNNING');
    await worker.report(app.url, claimed, 25);
    await subscriber.until((event) => event.percent === 25);
    await worker.fail(app.url, claimed);
    expect(await subscriber.ended).toBe('complete');
    expect(subscriber.events.map((event) => event.status)).toEqual(['QUEUED', 'RUNNING', 'RUNNING', 'FAILED']);
    await subscriber.close();
  });

  it('streams over Server-Sent Events the same way', async () => {
    const id = await worker.queueJob(app);
    const subscriber = subscribeOverSse(app.url, id, KEY_A);
    await subscriber.until((event) => event.status === 'QUEUED');
    const claimed = await worker.claim(app.url, id);
    await worker.report(app.url, claimed, 40);
    await subscriber.until((event) => event.percent === 40);
    await worker.fail(app.url, claimed);
    expect(await subscriber.ended).toBe('complete');
    expect(subscriber.events.at(-1)?.status).toBe('FAILED');
  });

  it('sends a job that is already terminal once, then completes', async () => {
    const id = await worker.queueJob(app);
    await worker.fail(app.url, await worker.claim(app.url, id));
    const subscriber = subscribeOverWebSocket({ url: () => app.url, jobId: id, key: KEY_A });
    expect(await subscriber.ended).toBe('complete');
    expect(subscriber.events).toEqual([expect.objectContaining({ status: 'FAILED' })]);
  });

  it("refuses a subscription to another tenant's job, over both transports, with no data", async () => {
    const id = await worker.queueJob(app, KEY_A);
    for (const subscriber of [subscribeOverWebSocket({ url: () => app.url, jobId: id, key: KEY_B }), subscribeOverSse(app.url, id, KEY_B)]) {
      await subscriber.ended;
      expect(subscriber.events).toEqual([]);
      expect(subscriber.errors).toEqual([expect.objectContaining({ message: 'No job with this id', extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    }
    await worker.fail(app.url, await worker.claim(app.url, id));
  });

  it('never shows percent decreasing within an attempt, whatever order reports arrive in', async () => {
    const id = await worker.queueJob(app);
    const subscriber = subscribeOverWebSocket({ url: () => app.url, jobId: id, key: KEY_A });
    const claimed = await worker.claim(app.url, id);
    for (const percent of [10, 30, 20, 50, 45, 60, 55, 80, 70, 90]) {
      await worker.report(app.url, claimed, percent);
      await sleep(60);
    }
    await worker.fail(app.url, claimed);
    await subscriber.ended;
    expect(percentNeverDecreases(subscriber.events)).toBe(true);
    expect(subscriber.events.at(-1)).toMatchObject({ status: 'FAILED', percent: 90 });
  });

  it('coalesces a burst of reports into a few events, the last report always among them', async () => {
    const id = await worker.queueJob(app);
    const claimed = await worker.claim(app.url, id);
    const subscriber = subscribeOverWebSocket({ url: () => app.url, jobId: id, key: KEY_A });
    await subscriber.until((event) => event.status === 'RUNNING');
    const before = subscriber.events.length;
    const started = Date.now();
    for (let percent = 1; percent <= 30; percent++) {
      await worker.report(app.url, claimed, percent);
      await sleep(5);
    }
    await subscriber.until((event) => event.percent === 30);
    // At most one event per 200 ms, plus the trailing one that carries the last report.
    expect(subscriber.events.length - before).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 200) + 1);
    expect(subscriber.events.length - before).toBeLessThan(30);
    await subscriber.close();
  });
});
