/**
 * `npm run db:migrate`: applies the migrations and exits. Fly runs it as the API app's
 * release_command against DATABASE_URL; without DATABASE_URL it migrates the embedded database in DATA_DIR.
 */
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../resources.js';
import { migrateDatabase } from './migrate.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const closers: Array<() => Promise<void>> = [];
  try {
    const database = await openDatabase(config, logger, closers);
    await migrateDatabase(database.url);
    logger.info('migrations applied');
  } finally {
    for (const closer of closers.reverse()) await closer();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
