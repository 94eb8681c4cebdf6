/**
 * On Fly, TLS ends at Fly's proxy, which tells the app how the client connected in `X-Forwarded-Proto`.
 * A client request that did not come over HTTPS may have carried an API key in plain text across the
 * internet, so it is refused rather than served (the key is already exposed; refusing it makes the
 * mistake loud instead of silent). Worker traffic arrives over Flycast, which is plain HTTP inside
 * Fly's private network, on its own port (`WORKER_PORT`, `src/http/worker-server.ts`) that this check
 * does not cover.
 */
import type { IncomingMessage } from 'node:http';

/** Fly's health checks call the machine directly, without the proxy and so without the header. */
const EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

/**
 * Why this request must be refused (for the 403 body), or null when it may be served: it came over
 * HTTPS, `REQUIRE_HTTPS` is off, or it is a health check.
 */
export function plainHttpRefusal(request: IncomingMessage, requireHttps: boolean, pathname: string): string | null {
  if (!requireHttps || EXEMPT_PATHS.has(pathname)) return null;
  const header = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  if (proto === 'https') return null;
  return 'This API only answers over HTTPS: use https:// (a request over plain HTTP may have sent its API key unencrypted; rotate that key)';
}
