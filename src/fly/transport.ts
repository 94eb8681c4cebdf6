/**
 * One Machines API call: authorization, lease nonce, client-side rate limiting, per-attempt timeout,
 * error decoding and the retry policy. The retry rules follow flyctl's `IsTransientFlapsError` (408,
 * 429, 5xx and transport errors), except that a call which may already have taken effect is retried
 * only on 429, which means the request was refused before anything happened.
 */
import type { Logger } from 'pino';
import { authorizationHeader } from './auth.js';
import { backoffDelay, type BackoffOptions } from '../../protocol/backoff.js';
import { retryAfterMs, sleep } from './backoff.js';
import { FlyApiError, FlyNetworkError } from './errors.js';
import type { FlyAction, RateLimiter } from '../../protocol/fly-rate-limits.js';

/**
 * `idempotent`: retry 408, 429, 5xx and network errors (repeating the call is harmless).
 * `unsafe`: retry 429 only; any other failure may hide a call that took effect.
 */
export type RetryMode = 'idempotent' | 'unsafe';

export interface FlyRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under `/v1/apps/{app}`, e.g. `/machines/{id}/start`. */
  path: string;
  /** The rate-limit bucket; scoped by `machineId`, or by the app when there is none. */
  action: FlyAction;
  machineId?: string;
  query?: URLSearchParams;
  body?: unknown;
  /** Sent as `fly-machine-lease-nonce`. */
  nonce?: string;
  retry: RetryMode;
  /** Statuses retried on top of the mode's own, e.g. 412 "not fully stopped yet" on start. */
  retryStatuses?: readonly number[];
  /** Keep retrying 404 until this time (epoch ms): a machine just created may not be visible yet. */
  retryNotFoundUntil?: number;
  /** Overrides the transport's per-attempt timeout (wait long polls need more than 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FlyResponse {
  status: number;
  body: unknown;
  requestId: string | undefined;
}

/** How one HTTP attempt to the Machines API ended (retries are separate attempts). */
export type FlyCallOutcome = 'ok' | 'not_found' | 'rate_limited' | 'client_error' | 'server_error' | 'network_error';

/** What an observer hears of each attempt: no path, no machine id, nothing secret. */
export interface FlyCall {
  action: FlyAction;
  method: FlyRequest['method'];
  outcome: FlyCallOutcome;
  /** The HTTP status; null when no response arrived. */
  status: number | null;
  durationMs: number;
}

export interface TransportOptions {
  baseUrl: string;
  token: string;
  appName: string;
  fetch: typeof fetch;
  logger: Logger;
  rateLimiter: RateLimiter | undefined;
  backoff: BackoffOptions;
  maxAttempts: number;
  requestTimeoutMs: number;
  /** Told of every attempt's outcome (e.g. to count them in metrics); must not throw. */
  onCall?: (call: FlyCall) => void;
}

export type Transport = (request: FlyRequest) => Promise<FlyResponse>;

export function createTransport(options: TransportOptions): Transport {
  const authorization = authorizationHeader(options.token);
  const root = `${options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/apps/${encodeURIComponent(options.appName)}`;

  async function attempt(request: FlyRequest): Promise<FlyResponse> {
    const query = request.query?.size ? `?${request.query.toString()}` : '';
    const headers: Record<string, string> = { authorization, accept: 'application/json', 'user-agent': 'ffly' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.nonce) headers['fly-machine-lease-nonce'] = request.nonce;
    // A plain timer rather than AbortSignal.timeout(): Node 20's AbortSignal.any() holds its sources
    // weakly, and a collected timeout signal would never fire.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('request timed out')), request.timeoutMs ?? options.requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(`${root}${request.path}${query}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal,
      });
      text = await response.text();
    } finally {
      clearTimeout(timer);
    }
    const requestId = response.headers.get('fly-request-id') ?? undefined;
    const body = parseBody(text);
    if (response.ok) return { status: response.status, body, requestId };
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    throw new FlyApiError({ status: response.status, method: request.method, path: request.path, requestId, body, retryAfterMs: retryAfter });
  }

  /** {@link attempt}, with its outcome reported to `onCall`. */
  async function observedAttempt(request: FlyRequest): Promise<FlyResponse> {
    if (!options.onCall) return attempt(request);
    const startedAt = performance.now();
    const report = (status: number | null) =>
      options.onCall?.({ action: request.action, method: request.method, outcome: outcomeOf(status), status, durationMs: performance.now() - startedAt });
    try {
      const response = await attempt(request);
      report(response.status);
      return response;
    } catch (error) {
      report(error instanceof FlyApiError ? error.status : null);
      throw error;
    }
  }

  return async function send(request) {
    for (let attemptIndex = 0; ; attemptIndex += 1) {
      await options.rateLimiter?.acquire(request.action, request.machineId ?? options.appName, request.signal);
      try {
        return await observedAttempt(request);
      } catch (caught) {
        if (request.signal?.aborted) throw request.signal.reason;
        const error = caught instanceof FlyApiError ? caught : new FlyNetworkError(request.method, request.path, caught);
        const delayMs = retryDelay(request, error, attemptIndex, options);
        if (delayMs === undefined) throw error;
        const status = error instanceof FlyApiError ? error.status : undefined;
        // A fresh machine's 404 and a 429 are expected on a healthy day; the rest deserve attention.
        const level = status === 404 || status === 429 ? 'debug' : 'warn';
        options.logger[level]({ method: request.method, path: request.path, status, attempt: attemptIndex + 1, delayMs: Math.round(delayMs) }, `Fly API call failed, retrying: ${error.message}`);
        await sleep(delayMs, request.signal);
      }
    }
  };
}

function outcomeOf(status: number | null): FlyCallOutcome {
  if (status === null) return 'network_error';
  if (status < 400) return 'ok';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

/** Milliseconds to wait before the next attempt, or undefined when the error is final. */
function retryDelay(request: FlyRequest, error: FlyApiError | FlyNetworkError, attemptIndex: number, options: TransportOptions): number | undefined {
  const backoff = backoffDelay(attemptIndex, options.backoff);
  if (error instanceof FlyApiError && error.status === 404) {
    const until = request.retryNotFoundUntil ?? 0;
    return Date.now() + backoff < until ? backoff : undefined;
  }
  if (attemptIndex + 1 >= options.maxAttempts) return undefined;
  if (error instanceof FlyNetworkError) return request.retry === 'idempotent' ? backoff : undefined;
  if (error.status === 429) {
    // Retry-After is honoured but bounded, so a confused server cannot park the caller for minutes.
    return error.retryAfterMs === undefined ? backoff : Math.min(error.retryAfterMs, options.backoff.maxMs * 4);
  }
  if (request.retryStatuses?.includes(error.status)) return backoff;
  const transient = error.status === 408 || error.status >= 500;
  return transient && request.retry === 'idempotent' ? backoff : undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
