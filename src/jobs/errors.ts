import type { JobStatus } from '../db/schema.js';

/**
 * Client-actionable errors: returned as members of the mutation result unions, never as top-level
 * errors. They know nothing of GraphQL: where a field has no result union (a query argument checked
 * by the validation plugin), the GraphQL adapter turns a ValidationError into a clear BAD_USER_INPUT
 * error instead of masking it as an unexpected one (src/http/client-errors.ts).
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    /** Path of the offending input, e.g. "input.outputs.0.audio.sampleRate". */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
  constructor(
    message: string,
    readonly status: JobStatus,
  ) {
    super(message);
  }
}
