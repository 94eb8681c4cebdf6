/**
 * The composition root: the one place that knows every component. It builds each with exactly what it
 * needs, in order (resources, the realtime bus, the worker pool, the HTTP adapters, the background
 * loops), and stops them in reverse.
 */
import { createApiKeyAuthenticator } from './auth/api-keys.js';
import { AuthThrottle } from './auth/auth-throttle.js';
import { startBackgroundServices, type BackgroundServices } from './background.js';
import { type Config, reachableLocalUrl } from './config/load-config.js';
import { getOrCreateSecret } from './db/secrets.js';
import { schema } from './graphql/schema.js';
import type { ApiServices } from './graphql/services.js';
import { buildApp, type App } from './http/app.js';
import { createRoutes } from './http/routes.js';
import { startWorkerServer } from './http/worker-server.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics/metrics.js';
import { startMetricsServer } from './metrics/server.js';
import type { FlyCall } from './fly/index.js';
import { connectFlyApi, createScheduler, pausedScheduler, type Scheduler } from './pool/index.js';
import { type Realtime, startRealtime } from './realtime/index.js';
import { createResources, type Resources } from './resources.js';
import { createSourceUrlChecker, createWebhookUrlChecker } from './webhooks/url-guard.js';
import { machineCredential } from './workers/credentials.js';

export interface RunningServer {
  url: string;
  /** The workers' own listener (`WORKER_PORT`), or null when they use `url`. */
  workerUrl: string | null;
  /** The Prometheus listener (`METRICS_PORT`; scrape `${metricsUrl}/metrics`), or null. */
  metricsUrl: string | null;
  app: App;
  /** What the adapters were given (tests and benchmarks reach the database, store and keys through it). */
  services: ApiServices;
  resources: Resources;
  realtime: Realtime;
  background: BackgroundServices;
  /** Answers waiting workers, stops background loops, then the HTTP server, then the database and store. */
  stop(): Promise<void>;
}

/** Starts one API instance with everything it needs; the entry point and the tests share it. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const resources = await createResources(config, logger);
  const { sql, db } = resources.database;
  // What is built so far, stopped in reverse should the start fail.
  const started: Array<() => Promise<void>> = [];
  try {
    const signingKey = await getOrCreateSecret(db, 'signing-key');
    const realtime = await startRealtime({ url: resources.database.url, sql, logger });
    started.push(() => realtime.close());
    // The pool gauge reads the scheduler built just below; the Fly client reports each call to the metrics.
    let pool: Scheduler | null = null;
    const metrics = createMetrics({ sql, listenerHealth: () => realtime.jobs.health(), machines: () => pool?.machines() ?? null });
    const scheduler = await buildScheduler(config, logger, { signingKey, realtime, resources, onFlyCall: (call) => metrics.telemetry.flyCall(call) });
    pool = scheduler;
    started.push(() => scheduler.stop());
    const services: ApiServices = {
      config,
      logger,
      sql,
      db,
      store: resources.store,
      authenticate: createApiKeyAuthenticator(config.apiKeys, config.adminApiKeys),
      authThrottle: new AuthThrottle(),
      webhookSecret: resources.webhookSecret,
      signingKey,
      jobListener: realtime.jobs,
      machines: { list: () => scheduler.machines() },
      telemetry: metrics.telemetry,
      checkWebhookUrl: createWebhookUrlChecker(config),
      checkSourceUrl: createSourceUrlChecker(config),
    };
    const routes = createRoutes(services);
    const app = buildApp(schema, services, routes.routes);
    const url = await app.start(config.port, config.host);
    started.push(() => app.stop());
    const workerServer = config.workerPort === null ? null : await startWorkerServer(routes.workerRoute, { port: config.workerPort, host: config.host, logger });
    if (workerServer) started.push(() => workerServer.stop());
    const metricsServer =
      config.metricsPort === null ? null : await startMetricsServer(metrics.registry, { port: config.metricsPort, host: config.host, logger });
    if (metricsServer) started.push(() => metricsServer.stop());
    const background = await startBackgroundServices({
      ...services,
      listen: realtime.connection,
      scheduler,
      publicUrl: config.publicUrl ?? url,
      workerApiUrl: config.workerApiUrl ?? reachableLocalUrl(workerServer?.url ?? url),
    });

    let stopping: Promise<void> | null = null;
    return {
      url,
      workerUrl: workerServer?.url ?? null,
      metricsUrl: metricsServer?.url ?? null,
      app,
      services,
      resources,
      realtime,
      background,
      stop() {
        stopping ??= (async () => {
          // Long-polling workers are answered first, so the HTTP server can drain at once. Background
          // loops (the scheduler among them) stop while the API still serves: local worker machines
          // stopped with the in-process emulator can still hand their jobs back over HTTP.
          routes.close();
          await background.stop();
          await Promise.all([app.stop(), workerServer?.stop(), metricsServer?.stop()]);
          await realtime.close();
          await resources.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'error while stopping after a failed start'));
    await resources.close();
    throw error;
  }
}

/** The worker pool's scheduler, on the Machines API the configuration names; paused when `MAX_MACHINES=0`. */
async function buildScheduler(
  config: Config,
  logger: Logger,
  parts: { signingKey: Buffer; realtime: Realtime; resources: Resources; onFlyCall(call: FlyCall): void },
): Promise<Scheduler> {
  if (config.maxMachines === 0) return pausedScheduler(logger);
  const { sql, db } = parts.resources.database;
  return createScheduler({
    db,
    sql,
    logger,
    jobs: parts.realtime.jobs,
    listen: parts.realtime.connection,
    // The Fly client stays free of metrics: it only reports each call to the hook it is given.
    fly: await connectFlyApi(config, logger, { onCall: parts.onFlyCall }),
    maxMachines: config.maxMachines,
    region: config.fly.region,
    leaseMs: config.leaseMs,
    worker: {
      image: config.fly.workerImage,
      guest: config.fly.workerGuest,
      rootfsGb: config.fly.workerRootfsGb,
      credential: machineCredential(parts.signingKey),
      idleMs: config.workerIdleMs,
    },
  });
}
