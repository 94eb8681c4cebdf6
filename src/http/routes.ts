import { WORKER_API_PREFIX } from '../../protocol/worker-api.js';
import type { ApiServices } from '../graphql/services.js';
import type { Route } from './app.js';
import { createWebRoutes } from '../web/routes.js';
import { createHlsRoute, HLS_ROUTE_PREFIX } from './hls-route.js';
import { createStoryboardRoute, STORYBOARD_ROUTE_PREFIX } from './storyboard-route.js';
import { createWorkerRoutes } from './worker-routes.js';

/**
 * The plain HTTP routes beside /graphql, /health and /ready. Keys ending in "/" are prefixes. The
 * worker protocol is served here too, unless `WORKER_PORT` gives it a listener of its own
 * (`workerRoute`, see `worker-server.ts`).
 */
export function createRoutes(services: ApiServices): { routes: Record<string, Route>; workerRoute: Route; close(): void } {
  const workerRoutes = createWorkerRoutes(services);
  return {
    routes: {
      [HLS_ROUTE_PREFIX]: createHlsRoute(services),
      [STORYBOARD_ROUTE_PREFIX]: createStoryboardRoute(services),
      ...(services.config.workerPort === null ? { [`${WORKER_API_PREFIX}/`]: workerRoutes } : {}),
      ...createWebRoutes(),
    },
    workerRoute: workerRoutes,
    close() {
      workerRoutes.close();
    },
  };
}
