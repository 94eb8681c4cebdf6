import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context.js';
import { ValidationError } from '../jobs/errors.js';
import { decodeGlobalId, encodeGlobalId } from '../jobs/global-id.js';

/** Builder configuration only: plugins, scalars, root types. Types live in src/resolvers/. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    SafeInt: { Input: number; Output: number };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  AuthScopes: { tenant: boolean; admin: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // Every request that reaches a resolver carries an authenticated viewer (the transport refuses
    // the rest), so this is a second line of defence rather than the gate.
    // `admin` gates operator data (`machines`): ADMIN_API_KEYS, or everyone without API_KEYS.
    authScopes: (context) => ({ tenant: typeof context.viewer?.tenantId === 'string', admin: context.viewer?.admin === true }),
  },
  errors: {
    directResult: true,
    defaultTypes: [],
  },
  validation: {
    // Argument validation failures become the contract's ValidationError, with `field` set to the
    // input path, so mutations that list ValidationError in their errors return it in the union.
    validationError: (result) => {
      const issue = result.issues[0];
      const path = issue?.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)).join('.');
      return new ValidationError(issue?.message ?? 'Invalid arguments', path || null);
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodesQueryOptions: false,
    nodeQueryOptions: { authScopes: { tenant: true } },
    // Short job ids ("job_…", 26 characters); the older base64 ids still decode. A malformed or foreign
    // id names no node: node(id:) answers null, as for an unknown job, rather than an error (a Job id
    // that is not a uuid is turned away by the Job loader before SQL).
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => {
      try {
        const decoded = decodeGlobalId(globalId);
        return decoded.typename === 'Job' ? decoded : { typename: 'Job', id: '' };
      } catch {
        return { typename: 'Job', id: '' };
      }
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An ISO-8601 date and time, e.g. "2026-11-21T12:00:00.000Z".',
});

// Sizes in bytes: a GraphQL Int is 32-bit (2 GiB), far below the sources this service takes.
builder.addScalarType('SafeInt', SafeIntResolver, {
  description: 'A whole number from -(2^53 - 1) to 2^53 - 1 (JavaScript\'s safe integers), a JSON number on the wire; used for sizes in bytes.',
});

builder.addScalarType('JSONObject', JSONObjectResolver, {
  description: 'A JSON object, e.g. {"customer": "acme"}.',
});

builder.queryType({ authScopes: { tenant: true } });
builder.mutationType({ authScopes: { tenant: true } });
builder.subscriptionType({ authScopes: { tenant: true } });
