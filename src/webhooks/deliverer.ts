import { Webhook } from 'standardwebhooks';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { type ListenConnection, WEBHOOK_CHANNEL } from '../realtime/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { attemptDelivery, type AttemptContext } from './attempt.js';
import { claimDueDeliveries, millisecondsUntilNextDue } from './deliveries.js';
import type { ResolveHost } from './url-guard.js';
import type { Telemetry } from '../metrics/telemetry.js';

/** What the deliverer needs, given by the composition root. */
export interface WebhookDelivererDeps {
  db: Database;
  logger: Logger;
  store: ObjectStore;
  /** Signs links and credentials (download URLs in the payload). */
  signingKey: Buffer;
  /** Signs webhooks (Standard Webhooks `whsec_...`). */
  webhookSecret: string;
  /** The instance's LISTEN session: wakes the loop when a delivery is enqueued, and after a reconnect. */
  listen: ListenConnection;
  /** Base of the links in payloads: `PUBLIC_URL`, else this instance's own URL. */
  publicUrl: string;
  config: Pick<Config, 'webhookTimeoutMs' | 'webhookAllowPrivate' | 'webhookRetryBaseMs' | 'webhookMaxRetrySeconds' | 'downloadUrlTtlSeconds'>;
  /** Counts each attempt's outcome for metrics (tenant-free). */
  telemetry: Pick<Telemetry, 'webhookAttempted'>;
}

export interface WebhookDelivererOptions {
  /** Attempts in flight at once on this instance. @default 8 */
  concurrency?: number;
  /** Longest sleep between looks at the table, a safety net for a missed notification. @default 30000 */
  maxIdleMs?: number;
  /** DNS for the SSRF guard. @default dns.lookup */
  resolveHost?: ResolveHost;
}

export interface WebhookDeliverer {
  /** Looks for due deliveries now. */
  wake(): void;
  /** Stops claiming, aborts attempts in flight (their claims are handed back) and stops listening. */
  stop(): Promise<void>;
}

/** Sleep after the table could not be read (the database is restarting, say). */
const ERROR_RETRY_MS = 5_000;
/** Shortest sleep: a due row another instance is claiming this instant is locked a moment later. */
const MIN_SLEEP_MS = 20;
/** A claim outlives its attempt's deadline by this much before another instance may take it over. */
const LEASE_MARGIN_MS = 30_000;

/**
 * The webhook delivery loop every API instance runs. It sleeps until the next delivery is due —
 * woken at once by the trigger's NOTIFY when a job reaches a terminal status, or by a timer set to
 * the earliest retry — then claims due deliveries (SKIP LOCKED, so instances share the work) and
 * attempts them concurrently. Idle, it costs two small indexed queries per `maxIdleMs`.
 */
export async function startWebhookDeliverer(deps: WebhookDelivererDeps, options: WebhookDelivererOptions = {}): Promise<WebhookDeliverer> {
  const { config, db, logger } = deps;
  const log = logger.child({ component: 'webhooks' });
  const concurrency = options.concurrency ?? 8;
  const maxIdleMs = options.maxIdleMs ?? 30_000;
  const leaseMs = config.webhookTimeoutMs + LEASE_MARGIN_MS;
  const shutdown = new AbortController();
  const signer = new Webhook(deps.webhookSecret);
  const attemptContext: AttemptContext = {
    db,
    logger: log,
    sign: (webhookId, timestamp, body) => signer.sign(webhookId, timestamp, body),
    urls: {
      store: deps.store,
      signingKey: deps.signingKey,
      publicUrl: deps.publicUrl,
      ttlSeconds: config.downloadUrlTtlSeconds,
    },
    allowPrivate: config.webhookAllowPrivate,
    timeoutMs: config.webhookTimeoutMs,
    retryBaseMs: config.webhookRetryBaseMs,
    maxRetrySeconds: config.webhookMaxRetrySeconds,
    signal: shutdown.signal,
    resolveHost: options.resolveHost,
    onAttempt: (outcome) => deps.telemetry.webhookAttempted(outcome),
  };

  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;
  let stopped = false;

  const sleep = (ms: number) => {
    if (timer) clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(wake, Math.max(MIN_SLEEP_MS, ms));
    timer.unref();
  };

  /** Claims while there is room and work, then sleeps until the next due time (or a wake-up). */
  const pump = async () => {
    while (!stopped && inFlight.size < concurrency) {
      const room = concurrency - inFlight.size;
      const claimed = await claimDueDeliveries(db, { limit: room, leaseMs });
      for (const claim of claimed) {
        const attempt = attemptDelivery(attemptContext, claim).finally(() => {
          inFlight.delete(attempt);
          wake(); // a slot is free
        });
        inFlight.add(attempt);
      }
      if (claimed.length < room) break;
    }
    if (stopped || inFlight.size >= concurrency) return;
    const waitMs = await millisecondsUntilNextDue(db);
    sleep(Math.min(waitMs ?? maxIdleMs, maxIdleMs));
  };

  function wake(): void {
    if (stopped) return;
    if (pumping) {
      pumpAgain = true; // coalesce wake-ups that arrive while a pump runs
      return;
    }
    pumping = pump()
      .catch((error: unknown) => {
        log.error({ err: error }, 'webhook delivery loop could not read the deliveries table');
        sleep(ERROR_RETRY_MS);
      })
      .finally(() => {
        pumping = null;
        if (pumpAgain) {
          pumpAgain = false;
          wake();
        }
      });
  }

  // On a resync (the LISTEN session was lost and is back), whatever was notified meanwhile is found.
  const unlisten = await deps.listen.subscribe(WEBHOOK_CHANNEL, { onPayload: wake, onResync: wake });
  wake();

  return {
    wake,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      shutdown.abort();
      await pumping;
      await Promise.all(inFlight);
      await unlisten().catch(() => {});
    },
  };
}
