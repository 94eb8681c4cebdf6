/**
 * Which Machines API the scheduler talks to:
 * - `FLY_API_TOKEN` set: the real one (or `FLY_API_URL`, if set);
 * - no token, `FLY_API_URL` set: a standalone `npm run fly:emulator` several instances share;
 * - neither: an emulator started here, in-process, whose machines run the local transcoder.
 */
import path from 'node:path';
import type { Config } from '../../config/load-config.js';
import type { Logger } from '../../logger.js';
import { createFlyClient, type FlyClientOptions } from '../client.js';
import type { FlyClient } from '../client-types.js';
import type { FlyEmulator } from '../emulator/index.js';

/** A local process has no image to pull; `FLY_EMULATOR_CREATE_DELAY_MS` brings Fly's seconds back. */
const LOCAL_CREATE_DELAY_MS = 200;
/** Leaves room in `npm start`'s 5-second shutdown for the database after the machines stop. */
const LOCAL_SHUTDOWN_GRACE_MS = 1_500;
/** Any token does for an emulator; the real API never sees this one. */
const EMULATOR_TOKEN = 'local-emulator';

export interface FlyApi {
  client: FlyClient;
  /** `real`, `emulator` (standalone, at FLY_API_URL) or `in-process`. */
  kind: 'real' | 'emulator' | 'in-process';
  /** The in-process emulator, when this started one. */
  emulator?: FlyEmulator;
  /** Stops the in-process emulator, if this started one (its machines get their stop signal). */
  close(): Promise<void>;
}

/** The client for the worker app's machines, starting the in-process emulator if that is the one to use. */
export async function connectFlyApi(config: Config, logger: Logger, clientOptions: Partial<FlyClientOptions> = {}): Promise<FlyApi> {
  const { fly } = config;
  const client = (baseUrl: string | undefined, token: string) =>
    createFlyClient({ baseUrl, token, appName: fly.workerApp, logger, ...clientOptions });
  if (fly.apiToken !== null) return { client: client(fly.apiUrl ?? undefined, fly.apiToken), kind: 'real', close: async () => {} };
  if (fly.apiUrl !== null) return { client: client(fly.apiUrl, EMULATOR_TOKEN), kind: 'emulator', close: async () => {} };

  // Imported only here, so that a production instance never loads the emulator.
  const { createFlyEmulator, localTranscoderCommand } = await import('../emulator/index.js');
  logger.info('no FLY_API_TOKEN: worker machines are local processes of an in-process Fly Machines emulator');
  const emulator = await createFlyEmulator({
    createDelayMs: LOCAL_CREATE_DELAY_MS,
    shutdownGraceMs: LOCAL_SHUTDOWN_GRACE_MS,
    ...fly.emulator,
    dataDir: path.join(config.dataDir, 'fly-emulator'),
    port: fly.emulatorPort,
    region: fly.region ?? 'local',
    machineCommand: localTranscoderCommand(),
    logger,
  });
  return { client: client(emulator.url, EMULATOR_TOKEN), kind: 'in-process', emulator, close: () => emulator.close() };
}
