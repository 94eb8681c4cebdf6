import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import type { ApiServices } from '../graphql/services.js';
import { untrustedHostReason } from './browser-guard.js';
import { operationTypeOf } from '../metrics/graphql-operation.js';
import { clientErrorStatus } from './client-errors.js';
import { plainHttpRefusal } from './https-only.js';
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
export function buildApp(schema: GraphQLSchema, services: ApiServices, extraRoutes: Record<string, Route> = {}): App {
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

  // Keys ending in "/" are prefixes (e.g. "/hls/"), except "/" itself (the web page); the others match exactly.
  const prefixRoutes = Object.entries(routes).filter(([key]) => key !== '/' && key.endsWith('/'));

  const server = createServer((request, response) => {
    // Timed under the route's pattern (never the path: it carries job ids), set once it is known.
    const timing = { route: 'refused', startedAt: performance.now() };
    response.once('close', () => {
      const operation = timing.route === yoga.graphqlEndpoint ? operationTypeOf(request) : '';
      services.telemetry.httpRequest({ route: timing.route, operation, status: response.statusCode, seconds: (performance.now() - timing.startedAt) / 1000 });
    });
    const refusal = untrustedHostReason(request, services.config);
    if (refusal) return sendJson(response, 403, { error: refusal });
    const pathname = URL.parse(request.url ?? '/', 'http://localhost')?.pathname;
    if (pathname === undefined) return sendJson(response, 400, { error: 'Malformed request URL' });
    const httpRefusal = plainHttpRefusal(request, services.config.requireHttps, pathname);
    if (httpRefusal) return sendJson(response, 403, { error: httpRefusal });
    // GraphQL is the hot path: it goes straight to yoga.
    if (pathname === yoga.graphqlEndpoint) {
      timing.route = pathname;
      if (request.headers.accept?.includes('text/event-stream')) trackEventStream(response);
      return void yoga(request, response);
    }
    const routeKey = routes[pathname] ? pathname : prefixRoutes.find(([key]) => pathname.startsWith(key))?.[0];
    const route = routeKey === undefined ? undefined : routes[routeKey];
    timing.route = routeKey ?? 'unmatched';
    if (route) {
      Promise.resolve(route(request, response)).catch((error: unknown) => {
        // A client's mistake (a malformed escape, a bad body) is its 4xx and one short line, no stack.
        const clientStatus = clientErrorStatus(error);
        if (clientStatus !== null) {
          services.logger.info({ path: pathname.slice(0, 200), status: clientStatus }, `bad request: ${(error as Error).message.slice(0, 200)}`);
          if (!response.headersSent) return sendJson(response, clientStatus, { error: (error as Error).message });
          return void response.destroy();
        }
        services.logger.error({ err: error, path: pathname }, 'route failed');
        if (!response.headersSent) sendJson(response, 500, { error: 'Internal server error' });
        else response.destroy();
      });
      return;
    }
    sendJson(response, 404, { error: 'Not found' });
  });
  const websocket = attachWebSocketTransport(server, yoga, services);

  /** Open SSE responses: stop() ends them at once rather than after the grace period. */
  const eventStreams = new Set<ServerResponse>();
  function trackEventStream(response: ServerResponse): void {
    eventStreams.add(response);
    response.once('close', () => eventStreams.delete(response));
  }

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
      // Subscribers go first and at once, so they move to another instance while this one drains.
      await websocket.close().catch(() => {});
      for (const response of eventStreams) endEventStream(response);
      server.closeIdleConnections();
      // Other in-flight requests get the grace period, then their sockets are cut.
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await yoga.dispose();
    },
  };
}

/**
 * Ends an SSE response at the HTTP level, without yoga's `event: complete`, which would tell the client
 * the subscription is over when only this instance is: the stream just ends, the client reconnects
 * (EventSource and graphql-sse do) and gets the job's current state first. yoga may still write to it
 * (a ping, the `complete` once the subscription stops): Node reports those late writes as errors on the
 * ended response, which are expected and ignored.
 */
function endEventStream(response: ServerResponse): void {
  response.on('error', () => {});
  response.end(() => response.socket?.destroy());
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
