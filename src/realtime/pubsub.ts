import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { ListenConnection, ListenHealth } from './listen-connection.js';
import { decodeBatch, encodeBatch, type NotificationEvent } from './notification-batch.js';
import { createNotificationOutbox } from './notification-outbox.js';

export interface PostgresEventTargetOptions {
  /** The instance's LISTEN session. */
  connection: ListenConnection;
  /** The instance's pool, which sends the notifications. */
  sql: Sql;
  channel: string;
  logger: Logger;
  /** Names this instance in the batches it sends. @default a random UUID */
  origin?: string;
  /** See {@link createNotificationOutbox}. @default 200 */
  topicIntervalMs?: number;
  /** See {@link createNotificationOutbox}. @default 50 */
  flushIntervalMs?: number;
}

type Listener = EventListenerOrEventListenerObject;

/** An EventTarget for yoga's `createPubSub({ eventTarget })` whose events cross every API instance. */
export interface PostgresEventTarget extends EventTarget {
  /** The LISTEN session's health (see {@link ListenHealth}). */
  health(): ListenHealth;
  /** Sends what is still held back, then stops listening (the session itself stays open). Listeners stay registered (and silent). */
  close(): Promise<void>;
}

/**
 * yoga's PubSub event target over PostgreSQL LISTEN/NOTIFY (the pattern of
 * @graphql-yoga/redis-event-target), on one channel whose payloads name their topics.
 *
 * - `dispatchEvent` (what `pubsub.publish` calls) is coalesced: per topic at most one event per
 *   `topicIntervalMs`, latest wins, all topics batched into at most one notifying commit per
 *   `flushIntervalMs`. This instance's own listeners get each event when it passes the throttle,
 *   without waiting for the round trip; the echo of its own batches is then ignored.
 * - A listener of a routing key alone (`jobUpdated`) also gets every `jobUpdated:<id>` event.
 * - After the LISTEN session was lost and is back, every registered listener gets an event whose
 *   `detail` is null: events may have been missed, so whatever it mirrors must be re-read.
 *
 * Events are hints, not data: a consumer must tolerate duplicates, merged events and reordering.
 */
export async function createPostgresEventTarget(options: PostgresEventTargetOptions): Promise<PostgresEventTarget> {
  const { sql, channel, logger } = options;
  const origin = options.origin ?? randomUUID();
  const listeners = new Map<string, Set<Listener>>();
  let seq = 0;

  function call(listener: Listener, event: Event): void {
    try {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    } catch (error) {
      logger.error({ err: error, topic: event.type }, 'a pubsub listener threw');
    }
  }

  function deliver(topic: string, detail: unknown): void {
    const direct = listeners.get(topic);
    const separator = topic.indexOf(':');
    const routed = separator > 0 ? listeners.get(topic.slice(0, separator)) : undefined;
    if (!direct && !routed) return;
    const event = new CustomEvent(topic, { detail });
    for (const listener of direct ?? []) call(listener, event);
    for (const listener of routed ?? []) call(listener, event);
  }

  const outbox = createNotificationOutbox({
    logger,
    topicIntervalMs: options.topicIntervalMs,
    flushIntervalMs: options.flushIntervalMs,
    onEmit: deliver,
    async send(events: NotificationEvent[]) {
      const payloads = encodeBatch({ origin, seq: ++seq }, events);
      // One statement, so one commit however many payloads the batch needed. The payloads travel as
      // one text parameter holding a JSON array: postgres.js serialises a text[] parameter wrongly on a
      // connection's first query, and json parameters differently once drizzle has wrapped the client.
      // A NOTIFY is not durable anyway (a crash loses the queue), so its commit does not wait for the
      // WAL flush: `synchronous_commit` off for this statement's transaction only.
      await sql`select pg_notify(${channel}, payload) from jsonb_array_elements_text(${JSON.stringify(payloads)}::text::jsonb) as payload
        where set_config('synchronous_commit', 'off', true) is not null`;
    },
  });

  const unsubscribe = await options.connection.subscribe(channel, {
    onPayload(payload) {
      const batch = decodeBatch(payload);
      if (!batch) return logger.warn({ channel }, 'ignoring a malformed notification');
      if (batch.origin === origin) return; // delivered locally when it was emitted
      for (const [topic, detail] of batch.events) deliver(topic, detail);
    },
    onResync() {
      for (const [topic, registered] of listeners) {
        for (const listener of [...registered]) call(listener, new CustomEvent(topic, { detail: null }));
      }
    },
  });

  return {
    addEventListener(topic: string, listener: Listener | null) {
      if (!listener) return;
      let registered = listeners.get(topic);
      if (!registered) listeners.set(topic, (registered = new Set()));
      registered.add(listener);
    },
    removeEventListener(topic: string, listener: Listener | null) {
      const registered = listeners.get(topic);
      if (!registered || !listener) return;
      registered.delete(listener);
      if (registered.size === 0) listeners.delete(topic);
    },
    health: () => options.connection.health(),
    dispatchEvent(event: Event) {
      outbox.add(event.type, (event as CustomEvent).detail);
      return true;
    },
    async close() {
      await outbox.drain();
      await unsubscribe();
    },
  };
}
