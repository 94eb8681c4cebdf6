/** `npm start`: the whole local stack (or one production API instance) in one process tree. */
import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

const SHUTDOWN_BUDGET_MS = 5_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const server = await startServer(config, logger);
  logger.info(`ffly is up: open ${server.url}/ (web page) or ${server.url}/graphql (GraphiQL)`);

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    // Whatever happens, the process is gone within the budget.
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // A bad configuration is one readable message, not a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
