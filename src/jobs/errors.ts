import { GraphQLError } from 'graphql';
import type { JobStatus } from '../db/schema.js';

/**
 * Client-actionable errors: returned as members of the mutation result unions, never as top-level
 * errors. ValidationError is also a GraphQLError, so where a field has no result union (a query
 * argument checked by the validation plugin) it still reaches the client as a clear BAD_USER_INPUT
 * error instead of being masked as an unexpected one.
 */
export class ValidationError extends GraphQLError {
  override name = 'ValidationError';
  constructor(
    message: string,
    /** Path of the offending input, e.g. "input.outputs.0.audio.sampleRate". */
    readonly field: string | null = null,
  ) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
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
