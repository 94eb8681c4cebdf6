import { ValidationError } from './errors.js';
import type { CreateJobInput } from './create-input.js';
import { validateMetadata } from './metadata.js';

export interface LifecycleInput {
  metadata: Record<string, string> | null;
  /** When the job is deleted: the given time, else `now + retentionSeconds`, else null (kept). */
  expiresAt: Date | null;
}

/**
 * The createJob fields that concern a job's life rather than its media: `metadata` (labels) and
 * `expiresAt` (must be in the future; defaults from RETENTION_S). Pure, given `now`.
 */
export function validateLifecycleInput(
  input: Pick<CreateJobInput, 'metadata' | 'expiresAt'>,
  options: { now: number; retentionSeconds: number | null },
): LifecycleInput | ValidationError {
  const metadata = validateMetadata(input.metadata, 'input.metadata');
  if (metadata instanceof ValidationError) return metadata;
  const given = input.expiresAt ?? null;
  if (given !== null) {
    if (Number.isNaN(given.getTime())) return new ValidationError('input.expiresAt is not a valid date and time', 'input.expiresAt');
    if (given.getTime() <= options.now) {
      return new ValidationError(`input.expiresAt (${given.toISOString()}) must be in the future`, 'input.expiresAt');
    }
    return { metadata, expiresAt: given };
  }
  const expiresAt = options.retentionSeconds === null ? null : new Date(options.now + options.retentionSeconds * 1000);
  return { metadata, expiresAt };
}
