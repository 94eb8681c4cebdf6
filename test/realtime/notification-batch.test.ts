import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, MAX_PAYLOAD_BYTES, type NotificationEvent } from '../../src/realtime/notification-batch.js';

const jobEvent = (index: number): NotificationEvent => {
  const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
  return [`jobUpdated:${id}`, { id, version: index, status: 'RUNNING' }];
};

describe('notification batches', () => {
  it('encodes a few events as one payload that decodes to the same batch', () => {
    const events = [jobEvent(1), jobEvent(2)];
    const payloads = encodeBatch({ origin: 'instance-a', seq: 7 }, events);
    expect(payloads).toHaveLength(1);
    expect(decodeBatch(payloads[0]!)).toEqual({ origin: 'instance-a', seq: 7, events });
  });

  it('splits a large batch into payloads under the 8000-byte limit, keeping every event in order', () => {
    const events = Array.from({ length: 500 }, (_, index) => jobEvent(index));
    const payloads = encodeBatch({ origin: 'instance-a', seq: 1 }, events);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const decoded = payloads.map((payload) => decodeBatch(payload)!);
    expect(decoded.every((batch) => batch.origin === 'instance-a' && batch.seq === 1)).toBe(true);
    expect(decoded.flatMap((batch) => batch.events)).toEqual(events);
  });

  it('encodes an empty batch (a heartbeat) as one payload without events', () => {
    expect(encodeBatch({ origin: 'a', seq: 2 }, []).map(decodeBatch)).toEqual([{ origin: 'a', seq: 2, events: [] }]);
  });

  it('refuses an event that could never fit in a payload', () => {
    expect(() => encodeBatch({}, [['topic', 'x'.repeat(MAX_PAYLOAD_BYTES)]])).toThrow(/does not fit/);
  });

  it('decodes anything else on the channel as null', () => {
    for (const payload of ['', 'not json', '{"id":"x"}', '{"events":[1]}', 'null']) expect(decodeBatch(payload)).toBeNull();
  });
});
