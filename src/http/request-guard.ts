import type { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { ApiServices } from '../graphql/services.js';

/** An unauthenticated request gets a 401 whatever it says: more than this is not even read. */
export const UNAUTHENTICATED_BODY_LIMIT = 64 * 1024;

/**
 * Media types a browser sends cross-site without a CORS preflight. A mutation in one of them could be
 * sent by any web page (CSRF), so a POST must be JSON, as the GraphQL-over-HTTP spec advises; with no
 * Content-Type at all, `fetch` sends text/plain.
 */
const SIMPLE_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain', '']);

/**
 * The yoga plugin that screens /graphql requests before they are parsed: CSRF-prone content types
 * (415), addresses in auth backoff (429 with Retry-After, before the key is checked), wrong keys
 * (counted), and bodies of unauthenticated requests beyond {@link UNAUTHENTICATED_BODY_LIMIT} (413).
 */
export function useRequestGuard(services: Pick<ApiServices, 'authenticate' | 'authThrottle' | 'config'>): Plugin<{}, { req?: IncomingMessage }> {
  const { authThrottle } = services;
  return {
    onRequest({ request, serverContext, endResponse, fetchAPI }) {
      if (request.method === 'POST') {
        const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (SIMPLE_MEDIA_TYPES.has(mediaType)) {
          return endResponse(errorResponse(fetchAPI, 415, 'POST requests must be JSON (Content-Type: application/json)', 'UNSUPPORTED_MEDIA_TYPE'));
        }
      }
      const address = clientAddress(serverContext.req, services.config.behindFlyProxy);
      const retryAfter = authThrottle.retryAfterSeconds(address);
      if (retryAfter > 0) {
        const response = errorResponse(fetchAPI, 429, `Too many failed authentication attempts; retry in ${retryAfter} s`, 'RATE_LIMITED');
        response.headers.set('retry-after', String(retryAfter));
        return endResponse(response);
      }
    },
    onRequestParse({ request, serverContext, requestParser, setRequestParser, fetchAPI }) {
      const authorization = request.headers.get('authorization');
      if (services.authenticate(authorization).ok) return;
      // A missing key is not a guess (GraphiQL and the web page start without one); a wrong one is.
      if (authorization) authThrottle.failed(clientAddress(serverContext.req, services.config.behindFlyProxy));
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null && Number(contentLength) > UNAUTHENTICATED_BODY_LIMIT) throw bodyTooLarge();
      if (requestParser && request.body) setRequestParser((original) => requestParser(limitBody(original, fetchAPI)));
    },
  };
}

/** The caller's address: Fly's proxy puts the client's in `Fly-Client-IP` (and overwrites a sent one). */
export function clientAddress(request: IncomingMessage | undefined, behindFlyProxy: boolean): string {
  const flyClientIp = behindFlyProxy ? request?.headers['fly-client-ip'] : undefined;
  if (typeof flyClientIp === 'string' && flyClientIp !== '') return flyClientIp;
  return request?.socket.remoteAddress ?? 'unknown';
}

function limitBody(request: Request, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  let size = 0;
  const body = request.body!.pipeThrough(
    new (request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream)<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > UNAUTHENTICATED_BODY_LIMIT) controller.error(bodyTooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

function bodyTooLarge() {
  return createGraphQLError(`Request body too large: without a valid API key at most ${UNAUTHENTICATED_BODY_LIMIT} bytes are read`, {
    // The rest of the body is not read: the connection closes after the answer.
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413, headers: { connection: 'close' } } },
  });
}

function errorResponse(fetchAPI: { Response: typeof Response }, status: number, message: string, code: string): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
