import { RequestError } from './read-json.js';

/**
 * The 4xx status of an error a client caused (a malformed percent-escape, a bad or oversized body),
 * or null for a real failure of the server. Routes can throw these without catching them: the HTTP
 * layer answers the status and logs one short line instead of a stack.
 */
export function clientErrorStatus(error: unknown): number | null {
  if (error instanceof RequestError && error.status >= 400 && error.status < 500) return error.status;
  // decodeURIComponent on a malformed escape such as "%E0%A4%A".
  if (error instanceof URIError) return 400;
  return null;
}
