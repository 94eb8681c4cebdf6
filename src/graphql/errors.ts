import type { JobStatus } from '../db/schema.js';

/** Client-actionable errors: returned as members of the mutation result unions, never as top-level errors. */
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
