/**
 * The HTTP edge of the emulator: `fly-request-id` on every answer, auth, injected 502/503s, rate
 * limiting, JSON in and out, and errors in the API's shapes. Routing lives in `routes.ts`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RateLimiter } from '../../protocol/fly-rate-limits.js';
import { ulid } from '../../protocol/ulid.js';
import type { EmulatorContext } from './context.js';
import { apiError, EmulatorError } from './errors.js';
import { matchRoute } from './routes.js';
import { tokenMatches } from './token.js';

const MAX_BODY_BYTES = 1_000_000;

export function createEmulatorServer(context: EmulatorContext): Server {
  const { rateLimits } = context.options;
  const rateLimiter = rateLimits === false ? undefined : new RateLimiter(rateLimits);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('fly-request-id', `${ulid()}-${context.options.region}`);
    const url = new URL(request.url ?? '/', 'http://emulator');
    // Checked before the body is read: a caller without the token gets nothing, not even parsing.
    if (!tokenMatches(request.headers.authorization, context.options.token)) throw apiError(401, 'Authenticate: token validation error');
    const body = await readJson(request);
    const match = matchRoute(request.method ?? 'GET', url.pathname);
    if (!match) throw apiError(404, `not_found: no route for ${request.method} ${url.pathname}`);
    if (context.options.failRate > 0 && Math.random() < context.options.failRate) {
      throw apiError(Math.random() < 0.5 ? 502 : 503, 'unavailable: emulated failure');
    }
    if (rateLimiter && !rateLimiter.tryAcquire(match.route.action, match.machineId ?? match.app)) {
      throw apiError(429, 'rate limit exceeded');
    }
    // Long polls stop waiting when the caller hangs up.
    const hangUp = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) hangUp.abort();
    });
    const nonce = request.headers['fly-machine-lease-nonce'];
    const reply = await match.route.handle(context, {
      app: match.app,
      machineId: match.machineId,
      query: url.searchParams,
      body,
      nonce: typeof nonce === 'string' && nonce !== '' ? nonce : undefined,
      signal: hangUp.signal,
    });
    send(response, reply.status, reply.body);
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof EmulatorError) {
        context.logger.debug({ method: request.method, path: request.url, status: error.status }, error.message);
        send(response, error.status, error.body);
        return;
      }
      context.logger.error({ err: error, method: request.method, path: request.url }, 'Fly emulator request failed');
      send(response, 500, { error: `internal: ${error instanceof Error ? error.message : String(error)}` });
    });
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const payload = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw apiError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiError(400, `json: ${error instanceof Error ? error.message : 'invalid body'}`);
  }
}
