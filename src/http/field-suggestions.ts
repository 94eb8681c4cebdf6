import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ApiServices } from '../graphql/services.js';

/** The initial context of every transport: HTTP and SSE carry a Request, WebSocket its connection_init payload. */
interface TransportContext {
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

const SUGGESTION = /\s*Did you mean .+\?/g;

/**
 * graphql-js answers a mistyped field with "Did you mean ...?", which spells out the schema to
 * whoever asks. Callers with a valid key (or anyone on a local stack, where no key is needed) get
 * the suggestions, since the schema is theirs to read anyway; the rest get the error without them.
 * Validation runs before the context (and its authentication) is built, hence the check here.
 */
export function useFieldSuggestionsForKnownCallers(authenticate: ApiServices['authenticate']): Plugin<TransportContext> {
  return {
    onValidate({ context }) {
      return ({ valid, result, setResult }) => {
        // Only a failed validation needs to know the caller: valid operations are authenticated once, by the context.
        if (valid || authenticate(authorizationOf(context)).ok) return;
        setResult(result.map((error) => (error instanceof GraphQLError ? withoutSuggestion(error) : error)));
      };
    },
  };
}

/** The caller's `Authorization` value: HTTP and SSE carry it as a header, WebSocket in connection_init's payload. */
export function authorizationOf(context: TransportContext): string | null {
  if (context.connectionParams) {
    const value = context.connectionParams.authorization;
    return typeof value === 'string' ? value : null;
  }
  return context.request?.headers.get('authorization') ?? null;
}

function withoutSuggestion(error: GraphQLError): GraphQLError {
  if (!error.message.includes('Did you mean')) return error;
  const { nodes, source, positions, path, originalError, extensions } = error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), { nodes, source, positions, path, originalError, extensions });
}
