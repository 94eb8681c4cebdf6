import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A digest of the input that ignores key order, so the same input always hashes the same. */
export function hashInput(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}
