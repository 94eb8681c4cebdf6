import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  url: string;
  server: RunningServer;
  /** POSTs a GraphQL operation; `key` is sent as the Bearer token. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export const TEST_KEYS = ['test-key-tenant-a-0123456789', 'test-key-tenant-b-0123456789'] as const;
/** In ADMIN_API_KEYS (unless a test sets API_KEYS itself): may read `machines`; a tenant of its own. */
export const TEST_ADMIN_KEY = 'test-key-operator-0123456789';

export interface TestAppOptions {
  /**
   * Use this database instead of a fresh one, and leave it in place at `stop()`: a second instance on
   * the same database, or a restart. The caller creates it (`createTestDatabase`) and drops it.
   */
  databaseUrl?: string;
  /** The server's logger (default: silent); tests that check log output pass one writing to a buffer. */
  logger?: Logger;
}

/**
 * Starts the real server on 127.0.0.1:0 with its own fresh database, its own s3rver and a temp
 * DATA_DIR. Stopped and cleaned up by `stop()`, which `useTestApp` registers for the caller.
 */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    API_KEYS: TEST_KEYS.join(','),
    LOG_LEVEL: 'silent',
    // No scheduler machines unless a test asks: most tests run their workers by hand.
    MAX_MACHINES: '0',
    ...(env.API_KEYS === undefined ? { ADMIN_API_KEYS: TEST_ADMIN_KEY } : {}),
    ...env,
  });
  const server = await startServer(config, options.logger ?? silentLogger());
  const defaultKey = config.apiKeys?.[0] ?? null;
  let stopped = false;
  return {
    url: server.url,
    server,
    async graphql(query, variables, key = defaultKey) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** startTestApp, stopped automatically when the current test (or hook's scope) finishes. */
export async function useTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const app = await startTestApp(env, options);
  onTestFinished(() => app.stop());
  return app;
}

export type { RunningServer };
