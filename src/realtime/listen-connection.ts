import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { backoffDelay } from '../../protocol/backoff.js';
import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { HEARTBEAT_CHANNEL } from './channels.js';

export interface ListenConnectionOptions {
  /** The database to LISTEN on. */
  url: string;
  /** The instance's pool: sends the heartbeat NOTIFY, so a ping crosses the same path as real events. */
  publisher: Sql;
  logger: Logger;
  /** How often liveness is checked. @default 2500 */
  heartbeatIntervalMs?: number;
  /** How long a heartbeat may take to come back before the connection is declared dead. @default 3000 */
  heartbeatTimeoutMs?: number;
  /** Shown in pg_stat_activity. @default 'ffly-listener' */
  applicationName?: string;
}

/** What listens on one channel. */
export interface ChannelSubscriber {
  /** Every payload received on the channel. */
  onPayload(payload: string): void;
  /** LISTEN is back after a loss: anything sent meanwhile was missed, so whatever it mirrors must be re-read. */
  onResync(): void;
}

/** How the LISTEN session is doing, for metrics: read when scraped. */
export interface ListenHealth {
  /** A session is open (false while a lost one is being replaced). */
  connected: boolean;
  /** Sessions replaced after a loss since start. */
  reconnects: number;
  /** When the last payload (an event or a heartbeat) arrived, epoch ms. */
  lastReceivedAt: number;
}

export interface ListenConnection {
  health(): ListenHealth;
  /**
   * LISTENs on `channel` (once per session, however many subscribers) and resolves once the session
   * listens, or once it is being re-established (its resync then covers the subscriber). Resolves to
   * the function that stops listening.
   */
  subscribe(channel: string, subscriber: ChannelSubscriber): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const RECONNECT_BACKOFF = { baseMs: 250, maxMs: 2_000 };

interface Session {
  sql: Sql;
  /** The channels this session LISTENs on, with the driver's handle that stops each. */
  channels: Map<string, Promise<{ unlisten(): Promise<void> }>>;
}

/**
 * The one LISTEN session of an API instance, kept alive; every channel any part of ffly listens on goes
 * through it. postgres.js re-LISTENs by itself after a clean disconnect (a killed backend), but it
 * cannot see a half-open socket, and gives up silently if PostgreSQL is still down at its single retry.
 * So a heartbeat checks the session end to end: when nothing has arrived for an interval, a NOTIFY sent
 * through the pool on {@link HEARTBEAT_CHANNEL} must come back on this session within the timeout;
 * otherwise the session is thrown away and a new one is opened (retrying until PostgreSQL answers),
 * and every subscriber is told to resynchronise. A dead session is therefore noticed within
 * 2 × interval + timeout (8 s by default): the first check after the loss may still see earlier
 * traffic. Under load that traffic (on any channel) is the proof of life, so heartbeats add no
 * notifying commit then. Heartbeats have a channel of their own, so no subscriber ever sees one.
 */
export async function openListenConnection(options: ListenConnectionOptions): Promise<ListenConnection> {
  const { logger } = options;
  const intervalMs = options.heartbeatIntervalMs ?? 2_500;
  const timeoutMs = options.heartbeatTimeoutMs ?? 3_000;
  const origin = randomUUID();
  const subscribers = new Map<string, Set<ChannelSubscriber>>();
  const echoes = new Map<string, () => void>();
  let heartbeats = 0;
  let current: Session | null = null;
  let closed = false;
  let lastReceivedAt = Date.now();
  let reconnects = 0;

  function resync(channel: string | null): void {
    for (const [name, registered] of subscribers) {
      if (channel !== null && name !== channel) continue;
      for (const subscriber of [...registered]) {
        try {
          subscriber.onResync();
        } catch (error) {
          logger.error({ err: error, channel: name }, 'a LISTEN subscriber threw on resync');
        }
      }
    }
  }

  function deliver(channel: string, payload: string): void {
    lastReceivedAt = Date.now();
    if (channel === HEARTBEAT_CHANNEL) return void echoes.get(payload)?.();
    for (const subscriber of [...(subscribers.get(channel) ?? [])]) {
      try {
        subscriber.onPayload(payload);
      } catch (error) {
        logger.error({ err: error, channel }, 'a LISTEN subscriber threw');
      }
    }
  }

  /** LISTENs on `channel` on `session`, once. */
  function listenOn(session: Session, channel: string): Promise<unknown> {
    let listening = session.channels.get(channel);
    if (!listening) {
      let initial = true;
      listening = session.sql.listen(
        channel,
        (payload) => deliver(channel, payload),
        () => {
          // Called again when postgres.js re-LISTENed on its own after a disconnect, once per channel.
          if (!initial && session === current && !closed && channel !== HEARTBEAT_CHANNEL) {
            logger.info({ channel }, 'LISTEN session re-established by the driver; resynchronising subscribers');
            resync(channel);
          }
          initial = false;
        },
      );
      session.channels.set(channel, listening);
      // A failed LISTEN is forgotten, so that the next subscribe (or the reconnect) tries again.
      listening.catch(() => session.channels.get(channel) === listening && session.channels.delete(channel));
    }
    return listening;
  }

  /** A dedicated client per session: ending it is the only way to drop a half-open socket. */
  async function open(): Promise<Session> {
    const sql = postgres(options.url, {
      max: 1,
      connect_timeout: 5,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? 'ffly-listener' },
    });
    const session: Session = { sql, channels: new Map() };
    try {
      await listenOn(session, HEARTBEAT_CHANNEL);
      for (const channel of subscribers.keys()) await listenOn(session, channel);
      return session;
    } catch (error) {
      await sql.end({ timeout: 0 });
      throw error;
    }
  }

  async function reconnect(reason: string): Promise<void> {
    logger.warn({ reason }, 'LISTEN session lost; reconnecting');
    const previous = current;
    current = null;
    // timeout 0 destroys at once: a half-open socket would never acknowledge a graceful end.
    void previous?.sql.end({ timeout: 0 }).catch(() => {});
    for (let attempt = 0; !closed; attempt++) {
      try {
        const session = await open();
        if (closed) return void session.sql.end({ timeout: 0 });
        current = session;
        reconnects += 1;
        // Channels subscribed while the session opened.
        for (const channel of subscribers.keys()) void listenOn(session, channel).catch(() => {});
        lastReceivedAt = Date.now();
        logger.info({ attempt }, 'LISTEN session re-established; resynchronising subscribers');
        return resync(null);
      } catch (error) {
        const delay = backoffDelay(attempt, RECONNECT_BACKOFF);
        logger.debug({ err: error, delay }, 'LISTEN reconnect failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** True when a NOTIFY sent through the pool came back on this session in time. */
  async function echoed(): Promise<boolean> {
    const payload = `${origin}:${++heartbeats}`;
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs).unref();
      echoes.set(payload, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    // A failed send (PostgreSQL down) shows up as a missing echo.
    options.publisher.notify(HEARTBEAT_CHANNEL, payload).catch(() => {});
    const ok = await arrived;
    echoes.delete(payload);
    return ok;
  }

  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (!closed) timer = setTimeout(() => void beat(), intervalMs).unref();
  };
  async function beat(): Promise<void> {
    const quiet = Date.now() - lastReceivedAt >= intervalMs;
    if (quiet && !(await echoed()) && !closed) await reconnect(`no heartbeat within ${timeoutMs} ms`);
    schedule();
  }

  current = await open();
  schedule();
  return {
    health: () => ({ connected: current !== null, reconnects, lastReceivedAt }),
    async subscribe(channel, subscriber) {
      if (channel === HEARTBEAT_CHANNEL) throw new Error(`${HEARTBEAT_CHANNEL} is the LISTEN session's own channel`);
      let registered = subscribers.get(channel);
      if (!registered) subscribers.set(channel, (registered = new Set()));
      registered.add(subscriber);
      const unsubscribe = async () => {
        registered.delete(subscriber);
        if (registered.size > 0 || subscribers.get(channel) !== registered) return;
        subscribers.delete(channel);
        const listening = current?.channels.get(channel);
        current?.channels.delete(channel);
        await listening?.then((handle) => handle.unlisten()).catch(() => {});
      };
      try {
        // Without a session (a reconnect under way), the new one LISTENs on it and resynchronises everyone.
        if (current) await listenOn(current, channel);
      } catch (error) {
        await unsubscribe();
        throw error;
      }
      return unsubscribe;
    },
    async close() {
      // A reconnect under way sees `closed` and ends the session it opens.
      closed = true;
      if (timer) clearTimeout(timer);
      await current?.sql.end({ timeout: 1 });
      current = null;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
