import { stdSerializers } from 'pino';

/**
 * pino's `err` serializer without SQL: drizzle puts the statement and its parameters in the message
 * of a failed query ("Failed query: select ... params: ..."), and parameters can be tenants' data or
 * secrets. The database's own reason (its `cause`) is kept. GraphQL errors are followed through
 * `originalError`, which is how yoga hands masked errors to the logger.
 */
export function serializeError(error: unknown): ReturnType<typeof stdSerializers.err> {
  return stdSerializers.err(withoutSql(error, 0) as Error);
}

/** The error as it may be logged: SQL, parameters and quoted values taken out (see {@link serializeError}). */
export function redactSqlFromError<T>(error: T): T {
  return withoutSql(error, 0) as T;
}

const SQL_MESSAGE = /^Failed query:/;

function withoutSql(error: unknown, depth: number): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const original = (error as { originalError?: unknown }).originalError;
  const cause = withoutSql(error.cause ?? original, depth + 1);
  const carriesSql = SQL_MESSAGE.test(error.message) || ('query' in error && 'params' in error);
  // PostgreSQL quotes the offending value in its messages (`invalid input syntax for type uuid: "..."`).
  const fromPostgres = error.name === 'PostgresError';
  if (!carriesSql && !fromPostgres && cause === (error.cause ?? original)) return error;
  const message = carriesSql
    ? 'Database query failed (statement and parameters not logged)'
    : fromPostgres
      ? error.message.replace(/"[^"]*"/g, '"…"')
      : error.message;
  const copy = new Error(message, { cause });
  copy.name = error.name;
  // The stack's first line repeats the message; only the frames are kept.
  copy.stack = `${error.name}: ${message}\n${(error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n')}`;
  for (const key of ['code', 'severity', 'routine'] as const) {
    if (key in error) (copy as unknown as Record<string, unknown>)[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return copy;
}
