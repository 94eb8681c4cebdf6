import { GraphQLError } from 'graphql';
import { maskError } from 'graphql-yoga';
import { ValidationError } from '../jobs/errors.js';
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

/**
 * yoga's error masking, except that a domain ValidationError thrown where a field has no result union
 * (a query argument checked by the validation plugin) reaches the client as BAD_USER_INPUT, with the
 * input `field`, instead of being masked as an unexpected error.
 */
export function maskUnexpectedErrors(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (!(original instanceof ValidationError)) return maskError(error, message, isDev);
  const located = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(original.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: { code: 'BAD_USER_INPUT', ...(original.field ? { field: original.field } : {}) },
  });
}
