import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export interface DatabaseHandle {
  url: string;
  /** The postgres.js client: raw SQL, LISTEN/NOTIFY. */
  sql: Sql;
  /** drizzle over the same pool. */
  db: Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size. @default 10 */
  max?: number;
  /** Name shown in pg_stat_activity. @default 'ffly' */
  applicationName?: string;
}

export function connectDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'ffly' },
    // bigint columns use drizzle's { mode: "number" }: sizes and counters stay far below 2^53.
  });
  const db = drizzle(sql, { schema });
  return { url, sql, db, close: () => sql.end({ timeout: 2 }) };
}
