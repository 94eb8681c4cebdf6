/**
 * The workers' own listener (`WORKER_PORT`): only the worker protocol (`/worker/v1/...`) and `/health`.
 * On Fly it is a separate `[[services]]` entry reached over Flycast (`http://<api-app>.flycast:<port>`),
 * which is plain HTTP inside the private network; the public service stays HTTPS-only. Workers
 * authenticate with machine credentials and job tokens, which are worth nothing to a client, and a
 * client's API key is worth nothing here: nothing on this port accepts one.
 */
import { createServer, type Server } from 'node:http';
import { WORKER_API_PREFIX } from '../../protocol/worker-api.js';
import type { Logger } from '../logger.js';
import { type Route, sendJson } from './app.js';
import { listenOn } from '../net/listen.js';

export interface WorkerServer {
  /** The URL workers use when `WORKER_API_URL` is unset, e.g. `http://127.0.0.1:8081`. */
  url: string;
  server: Server;
  /** Stops listening; requests still in flight get `graceMs`, then their sockets are cut. */
  stop(graceMs?: number): Promise<void>;
}

/** Listens on `port` (0 picks a free one) with the worker routes (`workerRoute` handles the whole prefix). */
export async function startWorkerServer(workerRoute: Route, options: { port: number; host: string; logger: Logger }): Promise<WorkerServer> {
  const prefix = `${WORKER_API_PREFIX}/`;
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/health') return sendJson(response, 200, { status: 'ok' });
    if (!pathname.startsWith(prefix)) return sendJson(response, 404, { error: 'Not found: this port serves workers only' });
    Promise.resolve(workerRoute(request, response)).catch((error: unknown) => {
      options.logger.error({ err: error, path: pathname }, 'worker route failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'Internal server error' });
      else response.destroy();
    });
  });
  const url = await listenOn(server, options.port, options.host);
  return {
    url,
    server,
    async stop(graceMs = 3_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
