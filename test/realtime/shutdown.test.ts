import { describe, expect, it } from 'vitest';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { startApiProcess } from './support/api-process.js';
import { subscribeOverSse, subscribeOverWebSocket } from './support/subscribers.js';
import { createWorkerDriver } from './support/worker-driver.js';

describe('an API instance shutting down', () => {
  it('closes WebSockets with 1001 and ends SSE streams without completing them; clients resume on another instance', async () => {
    const a = await useTestApp();
    const b = await startApiProcess(a.server.resources.database.url);
    const worker = createWorkerDriver(a);
    const id = await worker.queueJob(a);
    const claimed = await worker.claim(a.url, id);
    await worker.report(a.url, claimed, 20);

    // The client's URL is B first, then A: what a load balancer does once B is gone.
    const urls = [b.url, a.url];
    const ws = subscribeOverWebSocket({ url: () => urls.shift() ?? a.url, jobId: id, key: TEST_KEYS[0], retryAttempts: 5 });
    const sse = subscribeOverSse(b.url, id, TEST_KEYS[0]);
    await Promise.all([ws.until((event) => event.percent === 20), sse.until((event) => event.percent === 20)]);

    const stopping = Date.now();
    expect(await b.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(ws.closeCodes[0]).toBe(1001);
    expect(await sse.ended).toBe('end');

    // Meanwhile the job moves on; the client converges on the true state through A.
    await worker.report(a.url, claimed, 70);
    await ws.until((event) => event.percent === 70);
    await worker.fail(a.url, claimed);
    expect(await ws.ended).toBe('complete');
    expect(ws.events.at(-1)).toMatchObject({ status: 'FAILED', percent: 70 });
    await ws.close();
  }, 60_000);

  it('stops within its budget while subscribers are connected', async () => {
    const app = await useTestApp();
    const worker = createWorkerDriver(app);
    const id = await worker.queueJob(app);
    const subscribers = Array.from({ length: 5 }, () => subscribeOverWebSocket({ url: () => app.url, jobId: id, key: TEST_KEYS[0] }));
    const streams = Array.from({ length: 5 }, () => subscribeOverSse(app.url, id, TEST_KEYS[0]));
    await Promise.all([...subscribers, ...streams].map((subscriber) => subscriber.until((event) => event.status === 'QUEUED')));

    const started = Date.now();
    await app.server.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(subscribers.map((subscriber) => subscriber.closeCodes[0])).toEqual([1001, 1001, 1001, 1001, 1001]);
    expect(await Promise.all(streams.map((stream) => stream.ended))).toEqual(['end', 'end', 'end', 'end', 'end']);
  });
});
