/**
 * The wire format of ffly's NOTIFY payloads: a batch of `[topic, detail]` events, JSON-encoded.
 *
 * Payloads carry ids and sequence numbers only (subscribers read the current row), so they stay far
 * below PostgreSQL's limit; a batch too large for one payload is split over several, sent in one commit.
 */

/** PostgreSQL refuses payloads of 8000 bytes or more in the default configuration. */
export const MAX_PAYLOAD_BYTES = 7_999;

/** One event: its topic (`<routingKey>:<id>`, yoga's PubSub convention) and its JSON detail. */
export type NotificationEvent = [topic: string, detail: unknown];

export interface NotificationBatch {
  /**
   * The instance that published the batch. Absent on notifications sent inside a state-changing
   * transaction, which every instance (the sender too) delivers when they arrive.
   */
  origin?: string;
  /** The origin's sequence number of this notifying commit. */
  seq?: number;
  events: NotificationEvent[];
}

/**
 * Encodes `events` as few payloads as possible, each under {@link MAX_PAYLOAD_BYTES}. An empty list
 * gives one payload with no events (a heartbeat).
 */
export function encodeBatch(header: Omit<NotificationBatch, 'events'>, events: readonly NotificationEvent[]): string[] {
  const prefix = JSON.stringify({ ...header, events: [] }).slice(0, -2); // without the closing "]}"
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = Buffer.byteLength(prefix) + 2;
  for (const event of events) {
    const encoded = JSON.stringify(event);
    const size = Buffer.byteLength(encoded) + 1; // and its comma
    if (Buffer.byteLength(prefix) + 2 + size > MAX_PAYLOAD_BYTES) {
      throw new Error(`A notification event does not fit in one payload (${size} bytes): ${event[0]}`);
    }
    if (bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(`${prefix}${parts.join(',')}]}`);
      parts = [];
      bytes = Buffer.byteLength(prefix) + 2;
    }
    parts.push(encoded);
    bytes += size;
  }
  payloads.push(`${prefix}${parts.join(',')}]}`);
  return payloads;
}

/** Decodes a payload; null when it is not a batch (another writer on the channel, a bug). */
export function decodeBatch(payload: string): NotificationBatch | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as NotificationBatch).events)) return null;
  const batch = value as NotificationBatch;
  const wellFormed = batch.events.every((event) => Array.isArray(event) && typeof event[0] === 'string');
  return wellFormed ? batch : null;
}
