import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ApiServices } from '../graphql/services.js';
import { webSocketAllowed } from './browser-guard.js';
import { clientAddress } from './request-guard.js';
import { plainHttpRefusal } from './https-only.js';
import type { Yoga } from './yoga.js';

export interface WebSocketTransport {
  /**
   * Closes every socket with 1001 Going Away, so clients reconnect to another instance and resubscribe
   * (their subscriptions did not complete); sockets still open after `graceMs` are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long clients get to answer the close frame; shutdown has 5 s in all. */
const CLOSE_GRACE_MS = 1_000;

/**
 * graphql-transport-ws on /graphql. Operations run through yoga's envelop (the graphql-ws example in
 * graphql-yoga), so they share the HTTP plugins, limits and context.
 */
export function attachWebSocketTransport(server: Server, yoga: Yoga, services: ApiServices): WebSocketTransport {
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    // Operations are small; ws' default would let anyone send 100 MiB before connection_init is checked.
    maxPayload: 1024 * 1024,
    verifyClient: ({ req }: { req: IncomingMessage }, done: (result: boolean, code?: number, message?: string) => void) => {
      // Browsers do not apply CORS to WebSockets: the Host and Origin checks stand in for it.
      if (!webSocketAllowed(req, services.config)) return done(false, 403);
      // The key travels in connection_init: a plain-HTTP upgrade is refused before it can send one.
      const refusal = plainHttpRefusal(req, services.config.requireHttps, yoga.graphqlEndpoint);
      if (refusal) done(false, 403, refusal);
      else done(true);
    },
  });

  const disposable = useServer(
    {
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onConnect: (ctx) => {
        const address = clientAddress(ctx.extra.request, services.config.behindFlyProxy);
        if (services.authThrottle.retryAfterSeconds(address) > 0) return false;
        const authorization = ctx.connectionParams?.authorization;
        const result = services.authenticate(typeof authorization === 'string' ? authorization : null);
        if (!result.ok && typeof authorization === 'string' && authorization !== '') services.authThrottle.failed(address);
        // false closes the socket with 4403 Forbidden (CloseCode.Forbidden): a missing or wrong key gets no data.
        return result.ok;
      },
      // An operation that does not parse, validate or pass the limits gets an `error` message for its id;
      // thrown, it would close the socket (4500) and end every other subscription on it.
      onSubscribe: (ctx, id, payload) => prepareOperation(ctx, payload).catch((error: unknown) => {
        if (error instanceof GraphQLError) return [error];
        services.logger.error({ err: error, operationId: id }, 'WebSocket operation failed to start');
        return [new GraphQLError('Unexpected error.')];
      }),
    },
    wsServer,
  );

  /** The operation run through yoga's envelop (parse, armor limits, validation, context), as HTTP runs it. */
  async function prepareOperation(ctx: Context<Record<string, unknown> | undefined, Extra>, payload: SubscribePayload) {
    const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
      ...ctx,
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      params: payload,
      connectionParams: ctx.connectionParams ?? {},
    });
    const args = {
      schema,
      operationName: payload.operationName,
      document: parse(payload.query),
      variableValues: payload.variables,
      contextValue: await contextFactory(),
      rootValue: { execute, subscribe },
    };
    const errors = validate(args.schema, args.document);
    if (errors.length > 0) return errors;
    return args;
  }

  return {
    async close(graceMs = CLOSE_GRACE_MS) {
      // graphql-ws sends 1001 Going Away to every client and resolves once all have closed; a client
      // that never answers the close frame would hold that for ws' 30 s, so it is cut after the grace.
      const disposed = disposable.dispose();
      const timer = setTimeout(() => {
        for (const socket of wsServer.clients) socket.terminate();
      }, graceMs);
      try {
        await disposed;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
