/**
 * Error answers in the shapes the real API uses: `{"error": "<code>: <text>"}` for machines, and the
 * `{"status":"error","message":...,"code":...}` envelope on the lease endpoints.
 */

export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.error === 'string' ? body.error : String(body.message ?? status));
  }
}

/** `{"error": text}` with the given status. */
export function apiError(status: number, text: string): EmulatorError {
  return new EmulatorError(status, { error: text });
}

export const badRequest = (text: string): EmulatorError => apiError(400, `invalid_argument: ${text}`);

export const machineNotFound = (): EmulatorError => apiError(404, 'machine not found');

export const failedPrecondition = (text: string): EmulatorError => apiError(412, `failed_precondition: ${text}`);
