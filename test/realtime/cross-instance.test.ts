import { describe, expect, it } from 'vitest';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { startApiProcess } from './support/api-process.js';
import { subscribeOverSse, subscribeOverWebSocket } from './support/subscribers.js';
import { createWorkerDriver } from './support/worker-driver.js';

describe('several API instances on one database', () => {
  it('delivers what one instance records to the subscribers of another, both ways', async () => {
    const a = await useTestApp();
    const b = await startApiProcess(a.server.resources.database.url);
    const worker = createWorkerDriver(a);
    const id = await worker.queueJob(a);
    const onA = subscribeOverWebSocket({ url: () => a.url, jobId: id, key: TEST_KEYS[0] });
    const onB = subscribeOverSse(b.url, id, TEST_KEYS[0]);
    await Promise.all([onA.until((event) => event.status === 'QUEUED'), onB.until((event) => event.status === 'QUEUED')]);

    const claimed = await worker.claim(b.url, id);
    await worker.report(b.url, claimed, 30);
    await Promise.all([onA.until((event) => event.percent === 30), onB.until((event) => event.percent === 30)]);
    await worker.report(a.url, claimed, 60);
    await Promise.all([onA.until((event) => event.percent === 60), onB.until((event) => event.percent === 60)]);
    await worker.fail(b.url, claimed);

    expect(await Promise.all([onA.ended, onB.ended])).toEqual(['complete', 'complete']);
    expect([onA.events.at(-1), onB.events.at(-1)]).toEqual([
      expect.objectContaining({ status: 'FAILED', percent: 60 }),
      expect.objectContaining({ status: 'FAILED', percent: 60 }),
    ]);
    await onA.close();
  }, 60_000);
});
