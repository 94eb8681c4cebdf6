import type { Authenticate } from '../auth/api-keys.js';
import type { AuthThrottle } from '../auth/auth-throttle.js';
import type { Config } from '../config/load-config.js';
import type { Database, Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { WorkerMachine } from '../pool/index.js';
import type { Telemetry } from '../metrics/telemetry.js';
import type { JobListener } from '../realtime/index.js';
import type { ObjectStore } from '../storage/object-store.js';

/**
 * What the adapters (GraphQL resolvers, HTTP routes) use, built by the composition root (src/server.ts)
 * before the server serves: every member is there from the first request on and none is ever replaced.
 * Domain code never sees this object whole; each of its functions names the few members it needs.
 */
export interface ApiServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly sql: Sql;
  readonly db: Database;
  readonly store: ObjectStore;
  readonly authenticate: Authenticate;
  /** Per-client-address backoff after wrong API keys (HTTP and WebSocket). */
  readonly authThrottle: AuthThrottle;
  /** Secret that signs webhooks (Standard Webhooks `whsec_...`). */
  readonly webhookSecret: string;
  /** Key that signs links and credentials; shared by every instance through the database. */
  readonly signingKey: Buffer;
  /** Fans job notifications out to this instance's subscribers. */
  readonly jobListener: JobListener;
  /** The SSRF guard for webhook URLs: the reason to refuse one, or null (see src/webhooks/url-guard.ts). */
  checkWebhookUrl(url: string): Promise<string | null>;
  /** The same address rules for source URLs, under INGEST_ALLOW_PRIVATE (see src/webhooks/url-guard.ts). */
  checkSourceUrl(url: string): Promise<string | null>;
  /** Where modules report events for metrics (src/metrics/); tenant-free. */
  readonly telemetry: Telemetry;
  /** The worker pool as the scheduler sees it (empty while `MAX_MACHINES=0` pauses it). */
  readonly machines: { list(): Promise<WorkerMachine[]> };
}
