import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { NotificationEvent } from '../../src/realtime/notification-batch.js';
import { createNotificationOutbox } from '../../src/realtime/notification-outbox.js';

function outboxWithRecorder(send: (events: NotificationEvent[]) => Promise<void> = async () => {}) {
  const sent: Array<{ at: number; events: NotificationEvent[] }> = [];
  const emitted: Array<[string, unknown]> = [];
  const outbox = createNotificationOutbox({
    logger: silentLogger(),
    onEmit: (topic, detail) => emitted.push([topic, detail]),
    send: async (events) => {
      sent.push({ at: Date.now(), events });
      await send(events);
    },
  });
  return { outbox, sent, emitted };
}

describe('the notification outbox', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('sends a lone event at once and tells local listeners synchronously', async () => {
    const { outbox, sent, emitted } = outboxWithRecorder();
    outbox.add('jobUpdated:a', { version: 1 });
    expect(emitted).toEqual([['jobUpdated:a', { version: 1 }]]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((commit) => commit.events)).toEqual([[['jobUpdated:a', { version: 1 }]]]);
  });

  it('lets one event per topic through per 200 ms, then the latest one held back', async () => {
    const { outbox, emitted } = outboxWithRecorder();
    for (let version = 1; version <= 5; version++) {
      outbox.add('jobUpdated:a', { version });
      await vi.advanceTimersByTimeAsync(30);
    }
    expect(emitted.map(([, detail]) => detail)).toEqual([{ version: 1 }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(emitted.map(([, detail]) => detail)).toEqual([{ version: 1 }, { version: 5 }]);
  });

  it('batches every topic into at most one commit per 50 ms under load', async () => {
    const { outbox, sent, emitted } = outboxWithRecorder();
    // 200 jobs reporting at 2 Hz for 5 s, spread evenly: 400 reports a second.
    for (let tick = 0; tick < 2_000; tick++) {
      outbox.add(`jobUpdated:${tick % 200}`, { version: tick });
      await vi.advanceTimersByTimeAsync(2.5);
    }
    await vi.advanceTimersByTimeAsync(300);
    const seconds = 5;
    expect(sent.length / seconds).toBeLessThanOrEqual(20.5);
    for (let index = 1; index < sent.length; index++) expect(sent[index]!.at - sent[index - 1]!.at).toBeGreaterThanOrEqual(50);
    expect(sent.flatMap((commit) => commit.events)).toHaveLength(emitted.length);
  });

  it('retries a failed commit, with the newest detail of each topic', async () => {
    let failures = 1;
    const { outbox, sent } = outboxWithRecorder(async () => {
      if (failures-- > 0) throw new Error('connection refused');
    });
    outbox.add('jobUpdated:a', { version: 1 });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(250);
    outbox.add('jobUpdated:a', { version: 2 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.map((commit) => commit.events)).toEqual([[['jobUpdated:a', { version: 1 }]], [['jobUpdated:a', { version: 2 }]]]);
  });

  it('sends what it holds back when drained, and nothing after', async () => {
    const { outbox, sent } = outboxWithRecorder();
    outbox.add('jobUpdated:a', { version: 1 });
    await vi.advanceTimersByTimeAsync(0);
    outbox.add('jobUpdated:a', { version: 2 });
    await outbox.drain();
    outbox.add('jobUpdated:a', { version: 3 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.map((commit) => commit.events)).toEqual([[['jobUpdated:a', { version: 1 }]], [['jobUpdated:a', { version: 2 }]]]);
  });
});
