import { createApiKeyAuthenticator } from './auth/api-keys.js';
import { AuthThrottle } from './auth/auth-throttle.js';
import { startBackgroundServices, type BackgroundServices } from './background.js';
import type { Config } from './config/load-config.js';
import { startJobListener } from './db/job-listener.js';
import { getOrCreateSecret } from './db/secrets.js';
import { schema } from './graphql/schema.js';
import { buildApp, type App } from './http/app.js';
import { createRoutes } from './http/routes.js';
import { startWorkerServer } from './http/worker-server.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/server.js';
import { createResources, type Resources } from './resources.js';
import type { Services } from './services.js';
import { createSourceUrlChecker, createWebhookUrlChecker } from './webhooks/url-guard.js';

export interface RunningServer {
  url: string;
  /** The workers' own listener (`WORKER_PORT`), or null when they use `url`. */
  workerUrl: string | null;
  /** The Prometheus listener (`METRICS_PORT`; scrape `${metricsUrl}/metrics`), or null. */
  metricsUrl: string | null;
  app: App;
  services: Services;
  resources: Resources;
  background: BackgroundServices;
  /** Answers waiting workers, stops background loops, then the HTTP server, then the database and store. */
  stop(): Promise<void>;
}

/** Starts one API instance with everything it needs; the entry point and the tests share it. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const resources = await createResources(config, logger);
  let stopListener = async () => {};
  let metricsServer: MetricsServer | null = null;
  try {
    const signingKey = await getOrCreateSecret(resources.database.db, 'signing-key');
    const jobListener = await startJobListener({ url: resources.database.url, sql: resources.database.sql, logger });
    stopListener = () => jobListener.close();
    // The gauges read the pool through `services.machines`, which the scheduler sets once it runs.
    const metrics = createMetrics({
      sql: resources.database.sql,
      listenerHealth: () => jobListener.health(),
      machines: () => services.machines?.list() ?? null,
    });
    const services: Services = {
      config,
      logger,
      sql: resources.database.sql,
      db: resources.database.db,
      store: resources.store,
      authenticate: createApiKeyAuthenticator(config.apiKeys, config.adminApiKeys),
      authThrottle: new AuthThrottle(),
      webhookSecret: resources.webhookSecret,
      signingKey,
      jobListener,
      machines: null,
      telemetry: metrics.telemetry,
      checkWebhookUrl: createWebhookUrlChecker(config),
      checkSourceUrl: createSourceUrlChecker(config),
    };
    const routes = createRoutes(services);
    const app = buildApp(schema, services, routes.routes);
    const url = await app.start(config.port, config.host);
    const workerServer = config.workerPort === null ? null : await startWorkerServer(routes.workerRoute, { port: config.workerPort, host: config.host, logger });
    const background = await startBackgroundServices({ services, url, workerUrl: workerServer?.url ?? url });
    if (config.metricsPort !== null) metricsServer = await startMetricsServer(metrics.registry, { port: config.metricsPort, host: config.host, logger });

    let stopping: Promise<void> | null = null;
    return {
      url,
      workerUrl: workerServer?.url ?? null,
      metricsUrl: metricsServer?.url ?? null,
      app,
      services,
      resources,
      background,
      stop() {
        stopping ??= (async () => {
          // Long-polling workers are answered first, so the HTTP server can drain at once. Background
          // loops stop while the API still serves: local worker machines stopped with the in-process
          // emulator can still hand their jobs back over HTTP.
          routes.close();
          await background.stop();
          await Promise.all([app.stop(), workerServer?.stop(), metricsServer?.stop()]);
          await jobListener.close();
          await resources.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await metricsServer?.stop();
    await stopListener();
    await resources.close();
    throw error;
  }
}
