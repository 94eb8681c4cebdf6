import type { Authenticate } from './auth/api-keys.js';
import type { AuthThrottle } from './auth/auth-throttle.js';
import type { Config } from './config/load-config.js';
import type { Database, Sql } from './db/client.js';
import type { JobListener } from './db/job-listener.js';
import type { Logger } from './logger.js';
import type { Telemetry } from './metrics/telemetry.js';
import type { ObjectStore } from './storage/object-store.js';

/** Per-process dependencies shared by every request (the ServerContext). */
export interface Services {
  config: Config;
  logger: Logger;
  sql: Sql;
  db: Database;
  store: ObjectStore;
  authenticate: Authenticate;
  /** Per-client-address backoff after wrong API keys (HTTP and WebSocket). */
  authThrottle: AuthThrottle;
  /** Secret that signs webhooks (Standard Webhooks `whsec_...`). */
  webhookSecret: string;
  /** Key that signs links and credentials; shared by every instance through the database. */
  signingKey: Buffer;
  /** Fans job notifications out to this instance's subscribers (null until started). */
  jobListener: JobListener | null;
  /** The SSRF guard for webhook URLs: the reason to refuse one, or null (see src/webhooks/url-guard.ts). */
  checkWebhookUrl(url: string): Promise<string | null>;
  /** The same address rules for source URLs, under INGEST_ALLOW_PRIVATE (see src/webhooks/url-guard.ts). */
  checkSourceUrl(url: string): Promise<string | null>;
  /** Where modules report events for metrics (src/metrics/); tenant-free. */
  telemetry: Telemetry;
  /** The worker pool, once the scheduler runs (null before it starts, e.g. in tests without Fly). */
  machines: { list(): Promise<Array<{ id: string; state: string }>> } | null;
}
