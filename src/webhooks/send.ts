import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTarget } from './url-guard.js';

export interface WebhookRequest {
  target: WebhookTarget;
  /** The signed body, sent as is. */
  body: string;
  headers: Record<string, string>;
  /** Deadline of the whole exchange: connect, send, response headers and the start of the body. */
  timeoutMs: number;
  /** Aborts the attempt when this instance shuts down. */
  signal: AbortSignal;
}

export interface AttemptResult {
  /** The receiver's status; null when none arrived. */
  responseStatus: number | null;
  /** Why the attempt is not a delivery; null for a 2xx. */
  error: string | null;
  durationMs: number;
  /** True when the attempt was cut short by shutdown: it says nothing about the receiver. */
  aborted: boolean;
}

/** Enough of a refusal's body to tell a receiver's error message apart, never a whole page. */
const EXCERPT_BYTES = 512;

/**
 * POSTs one webhook. Connects to the address the SSRF guard checked (a pinned `lookup`, so a DNS
 * answer that changes between check and connect — DNS rebinding — is never used), while the Host
 * header and TLS server name stay the URL's host. Node's http client never follows redirects, and
 * neither does this: a 3xx is a failed attempt. Resolves, never rejects.
 */
export function sendWebhook(request: WebhookRequest): Promise<AttemptResult> {
  const started = Date.now();
  const { target } = request;
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let status: number | null = null;
    let excerpt = Buffer.alloc(0);
    let settled = false;
    // A plain timer, not AbortSignal.timeout() combined with AbortSignal.any(): on Node 20 the combined
    // signal holds its sources weakly, so an unreferenced timeout signal can be collected and never fire.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
    const signal = AbortSignal.any([timeout.signal, request.signal]);

    const finish = (error: string | null, aborted = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      outgoing.destroy();
      resolve({ responseStatus: status, error, durationMs: Date.now() - started, aborted });
    };
    const onAbort = () => {
      if (status !== null) return finish(describeStatus(status, excerpt)); // the answer arrived; its body did not matter
      if (request.signal.aborted) return finish('aborted: the instance shut down', true);
      finish(`timed out after ${request.timeoutMs} ms`);
    };

    const outgoing = client.request(target.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinnedLookup(target),
      agent: false, // no pooled sockets: every attempt connects to the address checked for it
    });
    outgoing.on('response', (response) => {
      status = response.statusCode ?? null;
      response.on('data', (chunk: Buffer) => {
        if (excerpt.length < EXCERPT_BYTES) excerpt = Buffer.concat([excerpt, chunk]).subarray(0, EXCERPT_BYTES);
        if (excerpt.length >= EXCERPT_BYTES) finish(describeStatus(status!, excerpt));
      });
      response.on('end', () => finish(describeStatus(status!, excerpt)));
      response.on('error', () => finish(describeStatus(status!, excerpt)));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish(describeNetworkError(error)));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    outgoing.end(request.body);
  });
}

/**
 * A `lookup` that answers with the checked addresses only, in both callback shapes Node uses: all of
 * them when asked for all (Node then tries each, IPv6 and IPv4, "happy eyeballs"), else the first.
 */
function pinnedLookup(target: WebhookTarget): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = target.addresses;
    if (options.all) callback(null, target.addresses);
    else callback(null, first!.address, first!.family);
  };
}

function describeStatus(status: number, body: Buffer): string | null {
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) return `the receiver answered HTTP ${status}; redirects are not followed`;
  if (status === 410) return 'the receiver answered HTTP 410 Gone; no more attempts';
  const text = body
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    // A receiver that echoes the request would echo presigned download URLs: they go no further.
    .replace(/\bhttps?:\/\/\S+/gi, '[url]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return `the receiver answered HTTP ${status}${text ? `: ${text}` : ''}`;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the receiver',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by the receiver',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate chain cannot be verified',
};

/** The error's kind only: Node's messages name the address and port, which the job need not show. */
function describeNetworkError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'UNKNOWN';
  return NETWORK_ERRORS[code] ?? `request failed (${code})`;
}
