import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from './bearer.js';

/** Who is calling: every API key is its own tenant. */
export interface Viewer {
  tenantId: string;
  /** May see operator data (`machines`): a key in `ADMIN_API_KEYS`, or anyone when `API_KEYS` is unset. */
  admin: boolean;
}

export type AuthResult = { ok: true; viewer: Viewer } | { ok: false; message: string };

/** The tenant of an unauthenticated local stack (API_KEYS unset, loopback only). */
export const LOCAL_TENANT = 'local';

/**
 * Checks an `Authorization` value against the configured keys. The tenant id is a digest of the key,
 * so no key is stored in the database; compare digests in constant time. Admin keys are keys too
 * (each its own tenant), whether or not `API_KEYS` also lists them.
 */
export function createApiKeyAuthenticator(apiKeys: string[] | null, adminKeys: string[] | null = null) {
  const admins = new Set(adminKeys ?? []);
  const keys = apiKeys === null ? null : [...new Set([...apiKeys, ...admins])];
  const digests = keys?.map((key) => ({ digest: digest(key), viewer: { tenantId: tenantIdForKey(key), admin: admins.has(key) } })) ?? null;

  return function authenticate(authorization: string | null | undefined): AuthResult {
    if (digests === null) return { ok: true, viewer: { tenantId: LOCAL_TENANT, admin: true } };
    if (authorization === null || authorization === undefined || authorization === '') {
      return { ok: false, message: 'Missing API key: send "Authorization: Bearer <key>"' };
    }
    const key = bearerToken(authorization);
    if (key === null) return { ok: false, message: 'Malformed Authorization header: expected "Bearer <key>"' };
    const candidate = digest(key);
    // Check every key (no early exit) so timing does not tell how many keys there are or which matched.
    let found: Viewer | null = null;
    for (const entry of digests) if (timingSafeEqual(entry.digest, candidate)) found = entry.viewer;
    return found === null ? { ok: false, message: 'Invalid API key' } : { ok: true, viewer: found };
  };
}

export type Authenticate = ReturnType<typeof createApiKeyAuthenticator>;

export function tenantIdForKey(key: string): string {
  return `t_${createHash('sha256').update(`ffly-tenant:${key}`).digest('hex').slice(0, 24)}`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
