import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` value carries the emulator's token, in any form the real API accepts:
 * `Bearer X`, `Bearer FlyV1 X` or `FlyV1 X` (the token itself may already start with `FlyV1`).
 * Compared as digests in constant time.
 */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization) return false;
  const presented = withoutScheme(authorization);
  if (presented === '') return false;
  return timingSafeEqual(digest(presented), digest(withoutScheme(token)));
}

function withoutScheme(value: string): string {
  return value.trim().replace(/^Bearer\s+/i, '').replace(/^FlyV1\s+/, '').trim();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
