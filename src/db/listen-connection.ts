import postgres from 'postgres';
import type { Logger } from '../logger.js';
import type { Sql } from './client.js';

export interface ListenConnectionOptions {
  /** The database to LISTEN on. */
  url: string;
  channel: string;
  /** The instance's pool: sends the heartbeat NOTIFY, so a ping crosses the same path as real events. */
  publisher: Sql;
  logger: Logger;
  /** Every payload received on the channel, heartbeats included. */
  onPayload(payload: string): void;
  /** LISTEN is back after a loss: anything sent meanwhile was missed, so every subscriber must re-read. */
  onResync(): void;
  /** A fresh heartbeat payload; it reaches every listener of the channel, so it must be harmless to them. */
  heartbeatPayload(): string;
  /** How often liveness is checked. @default 2500 */
  heartbeatIntervalMs?: number;
  /** How long a heartbeat may take to come back before the connection is declared dead. @default 3000 */
  heartbeatTimeoutMs?: number;
  /** Shown in pg_stat_activity. @default 'ffly-listener' */
  applicationName?: string;
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
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 2_000;

/**
 * One LISTEN session, kept alive. postgres.js re-LISTENs by itself after a clean disconnect (a killed
 * backend), but it cannot see a half-open socket, and gives up silently if PostgreSQL is still down at
 * its single retry. So a heartbeat checks the session end to end: when nothing has arrived for an
 * interval, a NOTIFY sent through the pool must come back on this session within the timeout;
 * otherwise the session is thrown away and a new one is opened (retrying until PostgreSQL answers).
 * A dead session is therefore noticed within 2 × interval + timeout (8 s by default): the first check
 * after the loss may still see earlier traffic. Under load that traffic is the proof of life, so
 * heartbeats add no notifying commit then.
 */
export async function openListenConnection(options: ListenConnectionOptions): Promise<ListenConnection> {
  const { channel, logger } = options;
  const intervalMs = options.heartbeatIntervalMs ?? 2_500;
  const timeoutMs = options.heartbeatTimeoutMs ?? 3_000;
  const echoes = new Map<string, () => void>();
  let current: Sql | null = null;
  let closed = false;
  let lastReceivedAt = Date.now();
  let reconnects = 0;

  /** A dedicated client per session: ending it is the only way to drop a half-open socket. */
  async function listen(): Promise<Sql> {
    const sql = postgres(options.url, {
      max: 1,
      connect_timeout: 5,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? 'ffly-listener' },
    });
    let initial = true;
    try {
      await sql.listen(
        channel,
        (payload) => {
          lastReceivedAt = Date.now();
          echoes.get(payload)?.();
          options.onPayload(payload);
        },
        () => {
          // Called again when postgres.js re-LISTENed on its own after a disconnect.
          if (!initial && sql === current && !closed) {
            logger.info({ channel }, 'LISTEN session re-established by the driver; resynchronising subscribers');
            options.onResync();
          }
          initial = false;
        },
      );
      return sql;
    } catch (error) {
      await sql.end({ timeout: 0 });
      throw error;
    }
  }

  async function reconnect(reason: string): Promise<void> {
    logger.warn({ channel, reason }, 'LISTEN session lost; reconnecting');
    const previous = current;
    current = null;
    // timeout 0 destroys at once: a half-open socket would never acknowledge a graceful end.
    void previous?.end({ timeout: 0 }).catch(() => {});
    for (let attempt = 0; !closed; attempt++) {
      try {
        const sql = await listen();
        if (closed) return void sql.end({ timeout: 0 });
        current = sql;
        reconnects += 1;
        lastReceivedAt = Date.now();
        logger.info({ channel, attempt }, 'LISTEN session re-established; resynchronising subscribers');
        return options.onResync();
      } catch (error) {
        const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
        logger.debug({ err: error, channel, delay }, 'LISTEN reconnect failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** True when a NOTIFY sent through the pool came back on this session in time. */
  async function echoed(): Promise<boolean> {
    const payload = options.heartbeatPayload();
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs).unref();
      echoes.set(payload, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    // A failed send (PostgreSQL down) shows up as a missing echo.
    options.publisher.notify(channel, payload).catch(() => {});
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

  current = await listen();
  schedule();
  return {
    health: () => ({ connected: current !== null, reconnects, lastReceivedAt }),
    async close() {
      // A reconnect under way sees `closed` and ends the session it opens.
      closed = true;
      if (timer) clearTimeout(timer);
      await current?.end({ timeout: 1 });
      current = null;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
