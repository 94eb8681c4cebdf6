import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../services.js';
import { attachWebSocketTransport } from './websocket.js';
import { createGraphQLServer } from './yoga.js';

export interface App {
  /** Listens on `port` (0 picks a free one) and resolves with the URL to open. */
  start(port: number, host: string): Promise<string>;
  /** Stops taking requests, closes subscriptions and drains; resolves within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  server: Server;
  url(): string;
}

export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<void> | void;

/** One HTTP server: GraphQL (HTTP, SSE, WebSocket) at /graphql and the plain routes beside it. */
export function buildApp(schema: GraphQLSchema, services: Services, extraRoutes: Record<string, Route> = {}): App {
  const yoga = createGraphQLServer(schema, services);
  const routes: Record<string, Route> = {
    '/health': (_request, response) => sendJson(response, 200, { status: 'ok' }),
    '/ready': async (_request, response) => {
      try {
        await services.sql`select 1`.execute();
        sendJson(response, 200, { status: 'ready' });
      } catch {
        sendJson(response, 503, { status: 'unavailable', reason: 'database does not answer' });
      }
    },
    ...extraRoutes,
  };

  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    // Keys ending in "/" are prefixes (e.g. "/hls/"); the others match exactly.
    const route = routes[pathname] ?? Object.entries(routes).find(([key]) => key.endsWith('/') && pathname.startsWith(key))?.[1];
    if (route) {
      Promise.resolve(route(request, response)).catch((error: unknown) => {
        services.logger.error({ err: error, path: pathname }, 'route failed');
        if (!response.headersSent) sendJson(response, 500, { error: 'Internal server error' });
        else response.destroy();
      });
      return;
    }
    if (pathname === yoga.graphqlEndpoint) return void yoga(request, response);
    sendJson(response, 404, { error: 'Not found' });
  });
  const websocket = attachWebSocketTransport(server, yoga, services);

  let url = '';
  return {
    server,
    url: () => url,
    start(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}`;
          resolve(url);
        });
      });
    },
    async stop(graceMs = 3_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await websocket.close().catch(() => {});
      server.closeIdleConnections();
      // In-flight requests (SSE streams included) get the grace period, then their sockets are cut.
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await yoga.dispose();
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
