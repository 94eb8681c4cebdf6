import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * Turns a raw row (snake_case columns, driver values) from a hand-written statement into the object
 * drizzle would return for the table, using the table's own column mappings.
 */
export function mapRow<T extends PgTable>(table: T, row: Record<string, unknown>): T['$inferSelect'] {
  const result: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    result[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return result as T['$inferSelect'];
}
