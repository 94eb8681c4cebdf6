/**
 * JSON with object keys sorted and absent fields (undefined or null) left out: the one serialisation
 * ffly hashes, so that a digest depends on what a value says, not on key order or on how "absent" was
 * spelt. Idempotency keys' stored input hashes (`jobs/idempotency.ts`) and the worker pool's config
 * version (`worker-config.ts`) are both made with it; changing it changes stored hashes.
 */
export function canonicalJson(value: unknown): string {
  // A Date (expiresAt) would otherwise serialise as "{}", making two different instants the same input.
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined && item !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
