/** A request the API refused or could not answer: HTTP status (0 for a WebSocket failure) and its messages. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    message: string,
    readonly status: number,
    /** Machine-readable code: the GraphQL error's extensions.code (e.g. "UNAUTHENTICATED"), or "FORBIDDEN" for a refused WebSocket. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** A client-actionable error returned as a member of a result union (ValidationError, NotFoundError, ...). */
export class JobRequestError extends Error {
  override name = 'JobRequestError';

  constructor(
    /** The GraphQL type name, e.g. "ValidationError". */
    readonly typename: string,
    message: string,
    /** ValidationError only: the offending input path, e.g. "input.outputs.0.audio.sampleRate". */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** One line a person can read for any error the client raises; never includes URLs (they may be presigned). */
export function describeError(error: unknown): string {
  // The API's messages start with the field they name ("input.outputs.0.audio.sampleRate 44100 is ...").
  if (error instanceof JobRequestError && error.field && !error.message.startsWith(error.field)) return `${error.field}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
