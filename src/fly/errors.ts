/**
 * Errors raised by the Fly Machines client. Like fly-go's `FlapsError`, an API error keeps the status,
 * the `fly-request-id` (what Fly support asks for) and the body, and the predicates below classify it
 * from the status first and the text only where the API offers nothing better.
 */

/** gRPC-style prefixes newer servers put in front of the error text (`aborted: ...`). */
const ERROR_CODE_PATTERN = /^([a-z_]+): /;

export interface FlyApiErrorDetails {
  status: number;
  method: string;
  path: string;
  requestId: string | undefined;
  /** Parsed JSON when the body was JSON, otherwise the raw text. */
  body: unknown;
  /** What a `Retry-After` header asked for, if one was sent. */
  retryAfterMs?: number | undefined;
}

/** The API answered with a non-2xx status. */
export class FlyApiError extends Error {
  override readonly name = 'FlyApiError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The `fly-request-id` response header, when sent. */
  readonly requestId: string | undefined;
  readonly body: unknown;
  /** The human text of the error: `error` (machines), else `message` (lease envelope), else the body. */
  readonly errorText: string;
  /** The gRPC-style prefix of `errorText` (`aborted`, `deadline_exceeded`, ...), when present. */
  readonly code: string | undefined;
  /** The body's `status` classification (`insufficient_capacity`, `name_taken`, ...), when present. */
  readonly reason: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(details: FlyApiErrorDetails) {
    const errorText = errorTextOf(details.body);
    const requestSuffix = details.requestId ? ` (fly-request-id ${details.requestId})` : '';
    super(`Fly API ${details.method} ${details.path} failed with ${details.status}: ${errorText}${requestSuffix}`);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.requestId = details.requestId;
    this.body = details.body;
    this.errorText = errorText;
    this.code = ERROR_CODE_PATTERN.exec(errorText)?.[1];
    this.reason = reasonOf(details.body);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The request got no HTTP response: connection refused or reset, DNS failure, or the client timeout. */
export class FlyNetworkError extends Error {
  override readonly name = 'FlyNetworkError';
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, cause: unknown) {
    super(`Fly API ${method} ${path} got no response: ${describeCause(cause)}`, { cause });
    this.method = method;
    this.path = path;
  }
}

export function isFlyApiError(error: unknown, status?: number): error is FlyApiError {
  return error instanceof FlyApiError && (status === undefined || error.status === status);
}

/** The machine (or lease, or app) does not exist, or not yet: right after create the API may 404. */
export function isNotFound(error: unknown): boolean {
  return isFlyApiError(error, 404);
}

/** Another caller holds the machine's lease: pick another machine. */
export function isLeaseConflict(error: unknown): boolean {
  return isFlyApiError(error, 409) && /lease currently held|lease.*held by/i.test(error.errorText);
}

/** A `wait` long poll ended before the machine reached the state. */
export function isWaitTimeout(error: unknown): boolean {
  return isFlyApiError(error, 408);
}

/** A `wait` named a version that an update has since replaced; re-read the machine and wait again. */
export function isVersionReplaced(error: unknown): boolean {
  return isFlyApiError(error) && error.errorText.includes('currently replaced');
}

/**
 * No room for the machine: a full host (409 on start or update), a full region (`insufficient_capacity`)
 * or an org quota (403 "over the allowed quota"). The cure is another host or region, not a retry.
 */
export function isCapacityError(error: unknown): boolean {
  if (!isFlyApiError(error)) return false;
  if (error.reason === 'insufficient_capacity' || error.reason === 'volume_placement_capacity') return true;
  if (error.status === 403) return error.errorText.includes('over the allowed quota');
  return (error.status === 409 || error.status === 412) && /insufficient (cpus|memory|ips|resources)|no capacity/i.test(error.errorText);
}

function errorTextOf(body: unknown): string {
  if (typeof body === 'string') return body.trim() || '(empty body)';
  if (isRecord(body)) {
    if (typeof body.error === 'string') return body.error;
    if (typeof body.message === 'string') return body.message;
  }
  return JSON.stringify(body) ?? '(empty body)';
}

function reasonOf(body: unknown): string | undefined {
  // The lease envelope uses `status: "error"` for every failure, which classifies nothing.
  if (!isRecord(body) || typeof body.status !== 'string' || body.status === 'error') return undefined;
  return body.status || undefined;
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici hides the useful part (ECONNREFUSED, ...) in `cause`.
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
