import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import { createGraphQLError, createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import type { ApiServices } from '../graphql/services.js';
import { useOperationTypeRecorder } from '../metrics/graphql-operation.js';
import { corsOptions } from './browser-guard.js';
import { maskUnexpectedErrors } from './client-errors.js';
import { useRequestGuard } from './request-guard.js';
import { renderOfflineGraphiQL } from './graphiql.js';
import { authorizationOf, useFieldSuggestionsForKnownCallers } from './field-suggestions.js';

/** What the transports put in the initial context: WebSocket operations add the socket's request. */
interface TransportContext {
  connectionParams?: Record<string, unknown>;
  req?: { headers: Record<string, string | string[] | undefined> };
}

export type Yoga = YogaServerInstance<TransportContext, GraphQLContext>;

/**
 * The GraphQL server over HTTP (POST/GET and SSE subscriptions); WebSocket operations go through the
 * same envelop (see websocket.ts), so every transport shares auth, limits and error masking.
 */
export function createGraphQLServer(schema: GraphQLSchema, services: ApiServices): Yoga {
  const { logger } = services;
  return createYoga<TransportContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Subscriptions over SSE: they carry the Headers tab's Authorization like queries do (GraphiQL's
    // WebSocket client sends an empty connection_init payload, which an API with keys refuses).
    graphiql: { title: 'ffly', subscriptionsProtocol: 'SSE' },
    renderGraphiQL: renderOfflineGraphiQL,
    // No grant unless CORS_ORIGINS lists the origin (yoga's default reflects any origin, with credentials).
    cors: corsOptions(services.config),
    // Unexpected errors are masked (logged, not shown); expected ones come back in result unions.
    maskedErrors: { maskError: maskUnexpectedErrors },
    logging: {
      debug: (...args) => logger.debug(args.length === 1 ? args[0] : args),
      info: (...args) => logger.info(args.length === 1 ? args[0] : args),
      warn: (...args) => logger.warn(args.length === 1 ? args[0] : args),
      error: (...args) => logger.error(args.length === 1 ? args[0] : args),
    },
    plugins: [
      useRequestGuard(services),
      EnvelopArmorPlugin({
        maxDepth: { n: 10 },
        maxAliases: { n: 15 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 2000 },
        costLimit: { maxCost: 5000 },
        // Replaced by useFieldSuggestionsForKnownCallers: typos get "Did you mean" once the caller is known.
        blockFieldSuggestion: { enabled: false },
      }),
      useFieldSuggestionsForKnownCallers(services.authenticate),
      useOperationTypeRecorder(),
    ],
    context: ({ request, connectionParams, req }): GraphQLContext => {
      // HTTP and SSE carry the key in the Authorization header; WebSocket in connection_init's payload.
      const result = services.authenticate(authorizationOf({ request, connectionParams }));
      if (!result.ok) {
        throw createGraphQLError(result.message, {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
        });
      }
      return { viewer: result.viewer, services, publicUrl: publicUrlOf(services, request, req) };
    },
  });
}

/** PUBLIC_URL when configured; otherwise the origin the client used (behind a proxy, its forwarded headers). */
function publicUrlOf(
  services: ApiServices,
  request: Request | undefined,
  req: { headers: Record<string, string | string[] | undefined> } | undefined,
): string {
  if (services.config.publicUrl) return services.config.publicUrl;
  const header = (name: string) => {
    const value = request?.headers.get(name) ?? req?.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || null;
  };
  const host = header('x-forwarded-host') ?? header('host') ?? 'localhost';
  const protocol = header('x-forwarded-proto') ?? 'http';
  return `${protocol === 'https' ? 'https' : 'http'}://${host}`;
}
