import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { listenOn } from '../net/listen.js';

export interface MetricsServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * `GET /metrics` in Prometheus text format on a listener of its own (`METRICS_PORT`, bound to
 * `HOST`): Fly's `[metrics]` scraper reaches it over the private network, and it is never on the
 * public API port. No auth: it carries no tenant data (no tenant or job ids), only counts.
 */
export async function startMetricsServer(registry: Registry, options: { port: number; host: string; logger: Logger }): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const pathname = URL.parse(request.url ?? '/', 'http://localhost')?.pathname;
    if (request.method !== 'GET' || pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => void response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics could not be collected');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
      },
    );
  });
  const url = await listenOn(server, options.port, options.host);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
