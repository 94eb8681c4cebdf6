/**
 * The local stack's Fly Machines emulator (the top-level `emulator/` package), started in-process when
 * ffly runs with neither `FLY_API_TOKEN` nor `FLY_API_URL`. This is the one place the application
 * reaches the emulator's code, and it does so through an import whose path esbuild cannot follow: the
 * production bundle (`dist/main.mjs`) and the API image hold no emulator code, which
 * `test/boundaries/api-bundle.test.ts` checks. The emulator reads its own `FLY_EMULATOR_*` settings.
 */
import path from 'node:path';
import type { Logger } from './logger.js';

/** The emulator as the API sees it: a URL, the token it accepts, and a way to stop it and its machines. */
export interface LocalEmulator {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** A local process has no image to pull; `FLY_EMULATOR_CREATE_DELAY_MS` brings Fly's seconds back. */
const LOCAL_CREATE_DELAY_MS = 200;
/** Leaves room in `npm start`'s 5-second shutdown for the database after the machines stop. */
const LOCAL_SHUTDOWN_GRACE_MS = 1_500;

/** A variable, not a literal: esbuild bundles literal `import()`s, and the emulator must stay out. */
const EMULATOR_ENTRY = '../emulator/src/index.js';

/** Starts the emulator whose machines are local processes running the transcoder; state in `DATA_DIR/fly-emulator`. */
export async function startLocalEmulator(options: { dataDir: string; region: string | null; logger: Logger; env?: NodeJS.ProcessEnv }): Promise<LocalEmulator> {
  let emulatorModule: typeof import('../emulator/src/index.js');
  try {
    emulatorModule = (await import(EMULATOR_ENTRY)) as typeof import('../emulator/src/index.js');
  } catch (error) {
    throw new Error('The local Fly Machines emulator is not part of this build (the production bundle leaves it out): set FLY_API_TOKEN, or run `npm run fly:emulator` and point FLY_API_URL at it', { cause: error });
  }
  const { createFlyEmulator, emulatorOptionsFromEnv, localTranscoderCommand } = emulatorModule;
  options.logger.info('no FLY_API_TOKEN: worker machines are local processes of an in-process Fly Machines emulator');
  return createFlyEmulator({
    createDelayMs: LOCAL_CREATE_DELAY_MS,
    shutdownGraceMs: LOCAL_SHUTDOWN_GRACE_MS,
    port: 0,
    region: options.region ?? 'local',
    ...emulatorOptionsFromEnv(options.env ?? process.env),
    dataDir: path.join(options.dataDir, 'fly-emulator'),
    machineCommand: localTranscoderCommand(),
    logger: options.logger,
  });
}
