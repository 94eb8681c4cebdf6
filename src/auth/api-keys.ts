import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from './bearer.js';

/** Who is calling: every API key is its own tenant. */
export interface Viewer {
  tenantId: string;
}

export type AuthResult = { ok: true; viewer: Viewer } | { ok: false; message: string };

/** The tenant of an unauthenticated local stack (API_KEYS unset, loopback only). */
export const LOCAL_TENANT = 'local';

/**
 * Checks an `Authorization` value against the configured keys. The tenant id is a digest of the key,
 * so no key is stored in the database; compare digests in constant time.
 */
export function createApiKeyAuthenticator(apiKeys: string[] | null) {
  const digests = apiKeys?.map((key) => ({ digest: digest(key), tenantId: tenantIdForKey(key) })) ?? null;

  return function authenticate(authorization: string | null | undefined): AuthResult {
    if (digests === null) return { ok: true, viewer: { tenantId: LOCAL_TENANT } };
    if (authorization === null || authorization === undefined || authorization === '') {
      return { ok: false, message: 'Missing API key: send "Authorization: Bearer <key>"' };
    }
    const key = bearerToken(authorization);
    if (key === null) return { ok: false, message: 'Malformed Authorization header: expected "Bearer <key>"' };
    const candidate = digest(key);
    // Check every key (no early exit) so timing does not tell how many keys there are or which matched.
    let found: string | null = null;
    for (const entry of digests) if (timingSafeEqual(entry.digest, candidate)) found = entry.tenantId;
    return found === null ? { ok: false, message: 'Invalid API key' } : { ok: true, viewer: { tenantId: found } };
  };
}

export type Authenticate = ReturnType<typeof createApiKeyAuthenticator>;

export function tenantIdForKey(key: string): string {
  return `t_${createHash('sha256').update(`ffly-tenant:${key}`).digest('hex').slice(0, 24)}`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
