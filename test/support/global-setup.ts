import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/logger.js';

export const TEMPLATE_DATABASE = 'ffly_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's PostgreSQL (the `postgres` database); test files clone the template from it. */
    postgresUrl: string;
  }
}

/**
 * One embedded PostgreSQL for the whole run, with a migrated template database; every test file
 * clones its own database from the template (fast: a file copy), so files run in parallel in isolation.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-test-pg-'));
  const server = await startEmbeddedPostgres({ directory: path.join(directory, 'postgres'), logger: silentLogger(), ephemeral: true });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
  await migrateDatabase(withDatabase(server.url, TEMPLATE_DATABASE));
  await admin.end();
  project.provide('postgresUrl', server.url);
  return async () => {
    await server.stop();
    await fs.rm(directory, { recursive: true, force: true });
    // Run as root from a private directory, the cluster lived where the postgres user could reach it.
    if (server.relocatedData) await fs.rm(server.relocatedData, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
