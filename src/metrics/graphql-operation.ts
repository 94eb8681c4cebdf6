import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The operation type of each HTTP request that ran one, for the route label of its duration. */
const operationTypes = new WeakMap<object, string>();

/** What an HTTP request to /graphql executed: query, mutation, subscription, or '' (none: refused, invalid). */
export function operationTypeOf(request: object): string {
  return operationTypes.get(request) ?? '';
}

/**
 * Remembers, per Node request, the type of the operation yoga executes for it (yoga puts the
 * request in the context as `req`). WebSocket operations have no request of their own: not recorded.
 */
export function useOperationTypeRecorder(): Plugin {
  const record = (document: DocumentNode, operationName: string | null | undefined, context: unknown) => {
    const request = (context as { req?: object } | null)?.req;
    const operation = getOperationAST(document, operationName)?.operation;
    if (request && operation && !(context as { connectionParams?: unknown }).connectionParams) operationTypes.set(request, operation);
  };
  return {
    onExecute: ({ args }) => record(args.document, args.operationName, args.contextValue),
    onSubscribe: ({ args }) => record(args.document, args.operationName, args.contextValue),
  };
}
