import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config/load-config.js';
import { connectDatabase, type DatabaseHandle } from './db/client.js';
import { startEmbeddedPostgres } from './db/embedded-postgres.js';
import { migrateDatabase } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createDataDir, loadOrCreateSecretFile, warnIfDataDirIsOpen } from './data-dir.js';
import { EMBEDDED_ACCESS_KEY_ID, startEmbeddedS3, type EmbeddedS3 } from './storage/embedded-s3.js';
import { createObjectStore, type ObjectStore } from './storage/object-store.js';

export interface Resources {
  database: DatabaseHandle;
  store: ObjectStore;
  /** The embedded store when no S3_ENDPOINT is set (null otherwise). */
  embeddedStore: EmbeddedS3 | null;
  webhookSecret: string;
  /** Closes everything in reverse order of start; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts (or connects to) what the API stands on: PostgreSQL, migrated; the object store; secrets.
 * Embedded parts start only when nothing external is configured.
 */
export async function createResources(config: Config, logger: Logger): Promise<Resources> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      await closer().catch((error: unknown) => logger.error({ err: error }, 'error while closing a resource'));
    }
  };
  try {
    await createDataDir(config.dataDir);
    const database = await openDatabase(config, logger, closers);
    await migrateDatabase(database.url);

    let s3Settings = { ...config.s3, endpoint: config.s3.endpoint ?? '' };
    let embeddedStore: EmbeddedS3 | null = null;
    if (config.s3.endpoint === null) {
      // The embedded store checks signatures with a secret of its own, kept in DATA_DIR.
      const credentials = { accessKeyId: EMBEDDED_ACCESS_KEY_ID, secretAccessKey: await loadOrCreateSecretFile(path.join(config.dataDir, 's3-secret')) };
      const s3 = await startEmbeddedS3({ directory: path.join(config.dataDir, 's3'), bucket: config.s3.bucket, credentials });
      closers.push(() => s3.stop());
      embeddedStore = s3;
      s3Settings = { ...s3Settings, ...credentials, endpoint: s3.endpoint };
      logger.info({ endpoint: s3.endpoint }, 'embedded object store started');
    }
    const store = createObjectStore(s3Settings);
    closers.push(async () => store.close());

    if (config.webhookSecret === null && !config.localMode) {
      // Each instance would generate its own secret in its own DATA_DIR; receivers need one.
      logger.warn('WEBHOOK_SECRET is not set: this instance signs webhooks with a secret generated in its DATA_DIR; set WEBHOOK_SECRET so every instance uses the same one');
    }
    const webhookSecret =
      config.webhookSecret ?? (await loadOrCreateSecretFile(path.join(config.dataDir, 'webhook-secret'), () => `whsec_${randomBytes(32).toString('base64')}`));
    await warnIfDataDirIsOpen(config.dataDir, logger);
    return { database, store, embeddedStore, webhookSecret, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL in DATA_DIR and connects to it. */
export async function openDatabase(config: Config, logger: Logger, closers: Array<() => Promise<void>>): Promise<DatabaseHandle> {
  let url = config.databaseUrl;
  if (url === null) {
    const postgres = await startEmbeddedPostgres({ directory: path.join(config.dataDir, 'postgres'), logger });
    closers.push(() => postgres.stop());
    url = postgres.url;
    logger.info({ port: postgres.port }, 'embedded PostgreSQL started');
  }
  const database = connectDatabase(url);
  closers.push(() => database.close());
  return database;
}
