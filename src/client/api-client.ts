import { backoffDelay } from '../../protocol/backoff.js';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ApiError } from './errors.js';
import type { TypedDocumentString } from './generated/graphql.js';

export interface ApiClientOptions {
  /** The API's base URL, e.g. "http://127.0.0.1:4000"; "graphql" is appended. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer <key>` on HTTP and in `connection_init` on WebSocket. */
  apiKey?: string | null;
}

/** A typed ffly client: every operation is a generated document, so variables and results are checked. */
export interface ApiClient {
  /** A query or mutation over HTTP; resolves with `data`, rejects with an ApiError on top-level errors. */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult>;
  /** A subscription over graphql-ws; the iterator ends when the server completes the stream. */
  subscribe<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): AsyncIterableIterator<TResult>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

/** Creates an ApiClient; the WebSocket opens lazily on the first subscription. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  // Relative, so an API behind a path prefix ("https://example.com/ffly") keeps it.
  const endpoint = new URL('graphql', options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  const authorization = options.apiKey ? `Bearer ${options.apiKey}` : null;
  let wsClient: Client | null = null;

  const webSocketUrl = new URL(endpoint);
  webSocketUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  const openWebSocket = () =>
    createClient({
      url: webSocketUrl.toString(),
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      // A dropped connection (an API instance restarting) is retried; the subscription's first event
      // is the job as it is now, so nothing is missed across a reconnect. A refused key is not retried.
      retryAttempts: 8,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries, { baseMs: 500, maxMs: 5_000, jitter: 'spread' }))),
      shouldRetry: (event) => closeCodeOf(event) !== FORBIDDEN,
    });

  async function request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query: document.toString(), variables }),
      });
    } catch (error) {
      throw new ApiError(`Cannot reach the API at ${endpoint.origin}: ${causeOf(error)}`, 0);
    }
    const body = (await response.json().catch(() => null)) as GraphQLBody | null;
    if (!body) throw new ApiError(`The API answered ${response.status} without a GraphQL response`, response.status);
    throwOnErrors(body, response.status);
    if (!body.data) throw new ApiError(`The API answered ${response.status} without data`, response.status);
    return body.data as TResult;
  }

  async function* subscribe<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): AsyncGenerator<TResult> {
    wsClient ??= openWebSocket();
    const results = wsClient.iterate<TResult>({ query: document.toString(), variables: variables as Record<string, unknown> });
    try {
      for await (const result of results) {
        throwOnErrors(result, 0);
        if (result.data) yield result.data;
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(`The subscription failed: ${closeReasonOf(error)}`, 0, closeCodeOf(error) === FORBIDDEN ? 'FORBIDDEN' : null);
    }
  }

  return {
    request,
    subscribe,
    async close() {
      await wsClient?.dispose();
      wsClient = null;
    },
  };
}

interface GraphQLBody {
  data?: unknown;
  errors?: ReadonlyArray<{ message: string; extensions?: { code?: unknown } }>;
}

function throwOnErrors(body: GraphQLBody, status: number): void {
  if (!body.errors?.length) return;
  const code = body.errors.map((error) => error.extensions?.code).find((value) => typeof value === 'string') ?? null;
  throw new ApiError(body.errors.map((error) => error.message).join('; '), status, code as string | null);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** graphql-ws's close code for a connection_init the server refused (a missing or wrong key). */
const FORBIDDEN = 4403;

function closeCodeOf(event: unknown): number | null {
  return event && typeof event === 'object' && 'code' in event && typeof event.code === 'number' ? event.code : null;
}

/** graphql-ws rejects with the CloseEvent or with the GraphQL errors array. */
function closeReasonOf(error: unknown): string {
  if (Array.isArray(error)) return error.map((item: { message?: string }) => item.message ?? String(item)).join('; ');
  const code = closeCodeOf(error);
  if (code === FORBIDDEN) return 'the API refused the key';
  if (code !== null) {
    const reason = (error as { reason?: string }).reason;
    return `the connection closed (${code}${reason ? ` ${reason}` : ''})`;
  }
  return error instanceof Error ? error.message : String(error);
}
