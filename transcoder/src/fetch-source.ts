/**
 * Fetches a URL source to a local file, as the job's submitter asked, with none of ffly's credentials:
 * every hop (the URL and each redirect, at most {@link MAX_REDIRECTS}) is resolved, every address of
 * its host checked against the shared address policy (unless `allowPrivate`), and the connection made
 * to a checked address only (a pinned `lookup`, as webhooks do), so DNS cannot answer differently
 * between the check and the connection. The size limit is counted on the bytes that arrive, never
 * taken from Content-Length (which only lets a too-big source be refused before its body).
 *
 * Which failures are tried again, within this attempt (up to {@link FETCH_TRIES} tries, with backoff):
 * answers 408, 429 and 5xx, timeouts (connect and idle), connections reset or refused, and bodies cut
 * short: the source's server having a bad moment. Everything else fails at once: a refused address,
 * a 4xx, too many redirects, a source over the size limit, a host that does not resolve, TLS errors.
 * Either way the job fails with SOURCE_FETCH_FAILED (permanent: the API does not requeue it), with a
 * message naming the URL (origin and path, never the query, where a signed URL keeps its signature).
 */
import { createWriteStream } from 'node:fs';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeCategory, firstRefusedCategory } from '../../protocol/address-policy.js';
import { backoffDelay } from '../../protocol/backoff.js';
import { INSUFFICIENT_DISK } from '../../protocol/disk-budget.js';
import type { SourceFetch } from '../../protocol/worker-api.js';

export const SOURCE_FETCH_FAILED = 'SOURCE_FETCH_FAILED';
export const MAX_REDIRECTS = 5;
/** Tries of one attempt, the first included: a transient failure is tried twice more. */
export const FETCH_TRIES = 3;

/** A fetch that failed: SOURCE_FETCH_FAILED (or INSUFFICIENT_DISK), with what a person can act on. */
export class SourceFetchError extends Error {
  constructor(
    readonly code: typeof SOURCE_FETCH_FAILED | typeof INSUFFICIENT_DISK,
    message: string,
    /** Worth another try within this attempt. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'SourceFetchError';
  }
}

export interface FetchSourceOptions {
  fetch: SourceFetch;
  file: string;
  signal: AbortSignal;
  /** Bytes written so far, and the total when the server said it. */
  onBytes?: (bytes: number, totalBytes: number | null) => void;
  /** Why a source of this many bytes cannot fit the worker's disk, or null: asked with Content-Length, then as bytes arrive. */
  roomFor?: (bytes: number) => string | null;
  /** A try failed and another follows (for the log). */
  onRetry?: (error: SourceFetchError, delayMs: number) => void;
  /** Test seam: addresses treated as public although the policy refuses them (the tests' servers are on loopback). */
  publicAddresses?: readonly string[];
  /** @default dns.lookup with all: true */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
  /** Delay before try `n + 1` (0-based retry number). @default exponential from 1 s, with jitter */
  retryDelayMs?: (retry: number) => number;
}

export interface FetchedSource {
  sizeBytes: number;
  /** The Content-Type the source's server sent, if any. */
  contentType: string | null;
}

/** Fetches the source to `file`, trying again on transient failures; throws a {@link SourceFetchError}. */
export async function fetchSource(options: FetchSourceOptions): Promise<FetchedSource> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(options);
    } catch (error) {
      if (options.signal.aborted) throw error;
      const failure = error instanceof SourceFetchError ? error : new SourceFetchError(SOURCE_FETCH_FAILED, `${describeUrl(options.fetch.url)}: ${String(error)}`);
      if (!failure.transient) throw failure;
      if (attempt >= FETCH_TRIES) {
        throw new SourceFetchError(failure.code, `${failure.message} (tried ${FETCH_TRIES} times)`);
      }
      const delayMs = options.retryDelayMs?.(attempt - 1) ?? backoffDelay(attempt - 1, { baseMs: 1_000, maxMs: 10_000 });
      options.onRetry?.(failure, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

async function fetchOnce(options: FetchSourceOptions): Promise<FetchedSource> {
  const { fetch: source } = options;
  const { response, url } = await followRedirects(options);
  const declared = response.headers['content-length'] === undefined ? null : Number(response.headers['content-length']);
  const where = describeUrl(url.href);
  if (declared !== null && declared > source.maxBytes) {
    response.destroy();
    throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where} is ${declared} bytes, more than the ${source.maxBytes} bytes this service accepts (MAX_UPLOAD_BYTES)`);
  }
  if (declared !== null) {
    const refusal = options.roomFor?.(declared);
    if (refusal) {
      response.destroy();
      throw new SourceFetchError(INSUFFICIENT_DISK, refusal);
    }
  }

  let bytes = 0;
  let stop: SourceFetchError | null = null;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > source.maxBytes) {
        stop = new SourceFetchError(SOURCE_FETCH_FAILED, `${where} sent more than the ${source.maxBytes} bytes this service accepts (MAX_UPLOAD_BYTES); stopped there`);
        return callback(stop);
      }
      const refusal = declared === null ? (options.roomFor?.(bytes) ?? null) : null;
      if (refusal) {
        stop = new SourceFetchError(INSUFFICIENT_DISK, `${refusal} (stopped fetching ${where} at ${bytes} bytes; it did not say its size)`);
        return callback(stop);
      }
      options.onBytes?.(bytes, declared);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response, counter, createWriteStream(options.file), { signal: options.signal });
  } catch (error) {
    if (stop) throw stop;
    if (options.signal.aborted) throw error;
    const reason = (response as IncomingMessage & { fetchFailure?: SourceFetchError }).fetchFailure ?? (error instanceof SourceFetchError ? error : null);
    if (reason) throw new SourceFetchError(reason.code, `${reason.message} after ${bytes} bytes`, reason.transient);
    throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: the connection broke after ${bytes} bytes`, true);
  }
  if (declared !== null && bytes !== declared) {
    throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: the connection closed after ${bytes} of the ${declared} bytes announced`, true);
  }
  if (bytes === 0) throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where} answered with an empty body; there is nothing to transcode`);
  return { sizeBytes: bytes, contentType: firstHeader(response.headers['content-type']) };
}

/** GETs the URL, following at most {@link MAX_REDIRECTS} redirects, each hop checked; resolves with the 200 response. */
async function followRedirects(options: FetchSourceOptions): Promise<{ response: IncomingMessage; url: URL }> {
  let url = new URL(options.fetch.url);
  for (let hop = 0; ; hop++) {
    const where = hop === 0 ? describeUrl(url.href) : `the redirect to ${describeUrl(url.href)}`;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where} is not an http or https URL`);
    }
    const addresses = await checkedAddresses(url, where, options);
    const response = await get(url, addresses, where, options);
    const status = response.statusCode ?? 0;
    const location = firstHeader(response.headers.location);
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      response.destroy();
      if (hop >= MAX_REDIRECTS) throw new SourceFetchError(SOURCE_FETCH_FAILED, `${describeUrl(options.fetch.url)} redirected more than ${MAX_REDIRECTS} times`);
      url = new URL(location, url);
      continue;
    }
    if (status !== 200) {
      response.destroy();
      const transient = status >= 500 || status === 408 || status === 429;
      throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where} answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`, transient);
    }
    return { response, url };
  }
}

/** Every address of the hop's host, each checked against the policy (unless private addresses are allowed). */
async function checkedAddresses(url: URL, where: string, options: FetchSourceOptions): Promise<LookupAddress[]> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(hostname) !== 0) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await withTimeout((options.resolveHost ?? lookupAll)(hostname), options.fetch.connectTimeoutMs, options.signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const missing = code === 'ENOTFOUND' || code === 'ENODATA';
      throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: its host ${hostname} ${missing ? 'does not exist' : 'could not be resolved'}`, !missing);
    }
    if (addresses.length === 0) throw new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: its host ${hostname} has no address`);
  }
  if (!options.fetch.allowPrivate) {
    const judged = addresses.map(({ address }) => address).filter((address) => !options.publicAddresses?.includes(address));
    const category = firstRefusedCategory(judged);
    if (category !== null) {
      throw new SourceFetchError(
        SOURCE_FETCH_FAILED,
        `${where} was refused: its host is ${describeCategory(category)}, which sources may not reach (INGEST_ALLOW_PRIVATE)`,
      );
    }
  }
  return addresses;
}

/** One GET to a checked address, with the connect and idle timeouts; resolves with the response head. */
function get(url: URL, addresses: LookupAddress[], where: string, options: FetchSourceOptions): Promise<IncomingMessage> {
  const { connectTimeoutMs, idleTimeoutMs } = options.fetch;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let failure: SourceFetchError | null = null;
    let response: (IncomingMessage & { fetchFailure?: SourceFetchError }) | null = null;
    const fail = (error: SourceFetchError) => {
      failure ??= error;
      if (response) response.fetchFailure = failure;
      request.destroy(failure);
    };
    const request = client.request(url, {
      method: 'GET',
      // identity: the bytes stored are the source's own, and the size limit counts them.
      headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'ffly-transcoder' },
      lookup: pinnedLookup(addresses),
      agent: false, // no pooled sockets: every hop connects to the addresses checked for it
      signal: options.signal,
    });
    const connectTimer = setTimeout(
      () => fail(new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: no connection within ${seconds(connectTimeoutMs)} (connect timeout)`, true)),
      connectTimeoutMs,
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    request.setTimeout(idleTimeoutMs, () =>
      fail(new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: the server sent nothing for ${seconds(idleTimeoutMs)} (idle timeout)`, true)),
    );
    request.on('response', (incoming: IncomingMessage & { fetchFailure?: SourceFetchError }) => {
      clearTimeout(connectTimer);
      response = incoming;
      if (failure) incoming.fetchFailure = failure;
      resolve(incoming);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (options.signal.aborted) return reject(error);
      reject(failure ?? describeNetworkError(error, where));
    });
    request.on('close', () => clearTimeout(connectTimer));
    request.end();
  });
}

/** A `lookup` that answers with the checked addresses only, in both shapes Node asks for. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = addresses;
    if (options.all) callback(null, addresses);
    else callback(null, first!.address, first!.family);
  };
}

const NETWORK_ERRORS: Record<string, [string, boolean]> = {
  ECONNREFUSED: ['connection refused', true],
  ECONNRESET: ['connection reset by the server', true],
  EPIPE: ['connection closed by the server', true],
  ETIMEDOUT: ['connection timed out', true],
  EHOSTUNREACH: ['host unreachable', true],
  ENETUNREACH: ['network unreachable', true],
  DEPTH_ZERO_SELF_SIGNED_CERT: ['TLS: self-signed certificate', false],
  SELF_SIGNED_CERT_IN_CHAIN: ['TLS: self-signed certificate in the chain', false],
  CERT_HAS_EXPIRED: ['TLS: certificate has expired', false],
  ERR_TLS_CERT_ALTNAME_INVALID: ['TLS: certificate does not match the host name', false],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ['TLS: certificate chain cannot be verified', false],
};

function describeNetworkError(error: NodeJS.ErrnoException, where: string): SourceFetchError {
  const code = error.code ?? 'UNKNOWN';
  const [text, transient] = NETWORK_ERRORS[code] ?? [`request failed (${code})`, true];
  return new SourceFetchError(SOURCE_FETCH_FAILED, `${where}: ${text}`, transient);
}

/** Origin and path only: a signed URL's query holds its signature, which goes in no message or log. */
export function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/** dns.lookup cannot be canceled (it runs on the thread pool): stop waiting for it instead. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), timeoutMs);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
