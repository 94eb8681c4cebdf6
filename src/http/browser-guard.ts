import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Config } from '../config/load-config.js';
import { classifyAddress } from '../../protocol/address-policy.js';

/**
 * What keeps a browser on another site from driving the API (issue 12): CORS only for `CORS_ORIGINS`,
 * no cross-site WebSocket, and, without API keys, no request addressed to a non-loopback host name
 * (DNS rebinding: a hostile name resolving to 127.0.0.1 makes the browser treat the API as that site).
 */

/** yoga's `cors` option: a grant only for listed origins, without credentials (keys travel in headers). */
export function corsOptions(config: Pick<Config, 'corsOrigins'>) {
  const allowed = new Set(config.corsOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false as const;
    return { origin: [origin], credentials: false, maxAge: 600 };
  };
}

/**
 * Why a request must be refused because of its `Host`, or null. Only a keyless (local) stack checks:
 * with API keys, a rebinding page has no key to send.
 */
export function untrustedHostReason(request: IncomingMessage, config: Pick<Config, 'apiKeys'>): string | null {
  if (config.apiKeys !== null) return null;
  const host = request.headers.host;
  if (host !== undefined && isLoopbackHost(host)) return null;
  return 'This server runs without API keys and answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1])';
}

/** True for a `Host` value naming this machine: localhost, *.localhost, 127.0.0.0/8 or ::1, any port. */
export function isLoopbackHost(hostHeader: string): boolean {
  const host = hostHeader.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 && classifyAddress(bare) === 'loopback';
}

/**
 * Whether a WebSocket upgrade may proceed. Browsers send `Origin` on every WebSocket and CORS does not
 * apply to them, so a page elsewhere could otherwise open one (cross-site WebSocket hijacking): only the
 * API's own origin and `CORS_ORIGINS` may. Clients that are not browsers send no `Origin`.
 */
export function webSocketAllowed(request: IncomingMessage, config: Pick<Config, 'apiKeys' | 'corsOrigins'>): boolean {
  if (untrustedHostReason(request, config) !== null) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (config.corsOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
