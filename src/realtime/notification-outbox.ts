import type { Logger } from '../logger.js';
import type { NotificationEvent } from './notification-batch.js';

export interface NotificationOutboxOptions {
  /** Sends the events in one notifying commit. */
  send(events: NotificationEvent[]): Promise<void>;
  /** An event passed the per-topic throttle: this instance's own subscribers can be told at once. */
  onEmit(topic: string, detail: unknown): void;
  logger: Logger;
  /** At most one event per topic per this many ms; the latest detail wins. @default 200 */
  topicIntervalMs?: number;
  /** At least this many ms between two notifying commits. @default 50 */
  flushIntervalMs?: number;
}

export interface NotificationOutbox {
  /** Queues an event; it goes out within `topicIntervalMs + flushIntervalMs`, possibly merged with later ones. */
  add(topic: string, detail: unknown): void;
  /** Emits and sends everything held, ignoring the throttles (at shutdown), and stops. */
  drain(): Promise<void>;
}

const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * The publish side of the PostgreSQL pubsub. Every notifying commit takes a cluster-wide lock
 * (PreCommit_Notify), so NOTIFY is a scarce resource: events are throttled per topic (leading edge,
 * then the latest one when the interval ends) and the events of all topics are sent together, at most
 * once per `flushIntervalMs`: 20 commits per second per instance however many jobs report.
 * A commit is sent as soon as the previous one is `flushIntervalMs` old, so at low load nothing waits.
 */
export function createNotificationOutbox(options: NotificationOutboxOptions): NotificationOutbox {
  const topicIntervalMs = options.topicIntervalMs ?? 200;
  const flushIntervalMs = options.flushIntervalMs ?? 50;
  const lastEmittedAt = new Map<string, number>();
  const held = new Map<string, { detail: unknown; timer: NodeJS.Timeout }>();
  const pending = new Map<string, unknown>();
  let nextFlushAt = 0;
  let lastPrunedAt = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  let draining = false;

  function emit(topic: string, detail: unknown): void {
    lastEmittedAt.set(topic, Date.now());
    options.onEmit(topic, detail);
    pending.set(topic, detail);
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (flushTimer || inFlight || draining || pending.size === 0) return;
    // A zero delay still waits for the current macrotask, so one burst of reports is one commit.
    flushTimer = setTimeout(() => void flush(), Math.max(0, nextFlushAt - Date.now()));
  }

  function flush(): Promise<void> {
    flushTimer = null;
    const now = Date.now();
    nextFlushAt = now + flushIntervalMs;
    if (now - lastPrunedAt >= 1_000) prune(now);
    const events = [...pending];
    pending.clear();
    inFlight = options
      .send(events)
      .catch((error: unknown) => {
        options.logger.warn({ err: error, events: events.length }, 'sending notifications failed; retrying');
        nextFlushAt = Date.now() + RETRY_AFTER_FAILURE_MS;
        for (const [topic, detail] of events) if (!pending.has(topic)) pending.set(topic, detail);
      })
      .finally(() => {
        inFlight = null;
        scheduleFlush();
      });
    return inFlight;
  }

  /** Forgets topics whose interval is over (jobs that stopped reporting), so the map stays small. */
  function prune(now: number): void {
    lastPrunedAt = now;
    for (const [topic, at] of lastEmittedAt) if (now - at >= topicIntervalMs) lastEmittedAt.delete(topic);
  }

  return {
    add(topic, detail) {
      if (draining) return;
      const waitMs = (lastEmittedAt.get(topic) ?? -Infinity) + topicIntervalMs - Date.now();
      if (waitMs <= 0) return emit(topic, detail);
      const entry = held.get(topic);
      if (entry) return void (entry.detail = detail);
      const timer = setTimeout(() => {
        const latest = held.get(topic);
        held.delete(topic);
        if (latest) emit(topic, latest.detail);
      }, waitMs);
      held.set(topic, { detail, timer });
    },
    async drain() {
      for (const [topic, { detail, timer }] of held) {
        clearTimeout(timer);
        emit(topic, detail);
      }
      held.clear();
      draining = true;
      if (flushTimer) clearTimeout(flushTimer);
      await inFlight;
      if (pending.size > 0) await flush();
    },
  };
}
