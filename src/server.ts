import { createApiKeyAuthenticator } from './auth/api-keys.js';
import type { Config } from './config/load-config.js';
import { schema } from './graphql/schema.js';
import { getOrCreateSecret } from './db/secrets.js';
import { startJobListener } from './db/job-listener.js';
import { buildApp, type App } from './http/app.js';
import { createHlsRoute, HLS_ROUTE_PREFIX } from './http/hls-route.js';
import type { Logger } from './logger.js';
import { createResources, type Resources } from './resources.js';
import type { Services } from './services.js';
import { WORKER_API_PREFIX } from '../protocol/worker-api.js';
import { createWorkerRoutes } from './http/worker-routes.js';
import { startLeaseReaper, type LeaseReaper } from './workers/lease-reaper.js';

export interface RunningServer {
  url: string;
  app: App;
  services: Services;
  resources: Resources;
  /** Stops the HTTP server first, then background loops, then the database and store. */
  stop(): Promise<void>;
  leaseReaper: LeaseReaper;
}

/** Starts one API instance with everything it needs; the entry point and the tests share it. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const resources = await createResources(config, logger);
  const signingKey = await getOrCreateSecret(resources.database.db, 'signing-key');
  const jobListener = await startJobListener(resources.database.sql, logger);
  const services: Services = {
    config,
    logger,
    sql: resources.database.sql,
    db: resources.database.db,
    store: resources.store,
    authenticate: createApiKeyAuthenticator(config.apiKeys),
    webhookSecret: resources.webhookSecret,
    signingKey,
    jobListener,
    machines: null,
  };
  const workerRoutes = createWorkerRoutes(services);
  const app = buildApp(schema, services, {
    [HLS_ROUTE_PREFIX]: createHlsRoute(services),
    [`${WORKER_API_PREFIX}/`]: workerRoutes,
  });
  const leaseReaper = startLeaseReaper(services);
  let url: string;
  try {
    url = await app.start(config.port, config.host);
  } catch (error) {
    await resources.close();
    throw error;
  }

  let stopping: Promise<void> | null = null;
  return {
    url,
    app,
    services,
    resources,
    leaseReaper,
    stop() {
      stopping ??= (async () => {
        await app.stop();
        workerRoutes.close();
        await leaseReaper.stop();
        await jobListener.close();
        await resources.close();
      })();
      return stopping;
    },
  };
}
