/**
 * `npm run fly:emulator`: the emulator on its own, for several API instances to share
 * (`FLY_API_URL=http://127.0.0.1:<port>` and the token it prints as `FLY_API_TOKEN`). Its machines run
 * the local transcoder. It accepts only its token: `FLY_API_TOKEN` from its environment, or one it
 * generates and keeps in `$DATA_DIR/fly-emulator/token`.
 *
 * Environment: `FLY_EMULATOR_PORT` (default 4280, the port of Fly's internal Machines API), `LOG_LEVEL`,
 * `DATA_DIR` (state in `$DATA_DIR/fly-emulator`, default `./.data`), `FLY_REGION` (default `local`),
 * and the `FLY_EMULATOR_*` fault knobs described in `options.ts`.
 */
import { resolve } from 'node:path';
import { createFlyEmulator } from './emulator.js';
import { warnIfOpen } from './files.js';
import { createEmulatorLogger } from './logger.js';
import { emulatorOptionsFromEnv } from './options.js';
import { localTranscoderCommand } from './transcoder-command.js';

const DEFAULT_PORT = 4280;
/** The whole shutdown, machines included, must fit in this. */
const SHUTDOWN_DEADLINE_MS = 5_000;

async function main(): Promise<void> {
  const env = process.env;
  const options = emulatorOptionsFromEnv(env);
  const logger = createEmulatorLogger();
  const dataDir = resolve(env.DATA_DIR || '.data', 'fly-emulator');
  const emulator = await createFlyEmulator({
    ...options,
    dataDir,
    port: options.port ?? DEFAULT_PORT,
    region: env.FLY_REGION || 'local',
    machineCommand: localTranscoderCommand(),
    // Its environment's FLY_API_TOKEN, or one it generates and keeps in DATA_DIR.
    token: env.FLY_API_TOKEN || undefined,
    shutdownGraceMs: SHUTDOWN_DEADLINE_MS - 2_000,
    logger,
  });
  await warnIfOpen(dataDir, logger);
  // Printed, not logged as a field: the logger redacts tokens, and this one is for the operator to copy.
  console.log(`Point API instances at it with:\n  FLY_API_URL=${emulator.url} FLY_API_TOKEN=${emulator.token}`);

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down the Fly emulator');
    setTimeout(() => {
      logger.error('Fly emulator shutdown took too long; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Fly emulator shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
