import { ValidationError } from './errors.js';

/** Limits of a job's metadata (contract: up to 16 keys, string values, 4 KB in all). */
export const METADATA_MAX_KEYS = 16;
export const METADATA_MAX_BYTES = 4096;

/**
 * Checks client metadata: a flat object of at most 16 string keys with string values, at most 4 KB as
 * UTF-8 JSON. Pure; `field` names the argument in the error (`input.metadata`, or `metadata` for the
 * jobs filter). Null and undefined stand for "none".
 */
export function validateMetadata(value: unknown, field: string): Record<string, string> | null | ValidationError {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return new ValidationError(`${field} must be a JSON object`, field);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METADATA_MAX_KEYS) {
    return new ValidationError(`${field} has ${entries.length} keys; at most ${METADATA_MAX_KEYS} are allowed`, field);
  }
  for (const [key, item] of entries) {
    if (key === '') return new ValidationError(`${field} has an empty key`, field);
    if (typeof item !== 'string') return new ValidationError(`${field}.${key} must be a string`, `${field}.${key}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > METADATA_MAX_BYTES) {
    return new ValidationError(`${field} is ${bytes} bytes as JSON; at most ${METADATA_MAX_BYTES} are allowed`, field);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
