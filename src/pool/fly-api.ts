/**
 * Which Machines API the scheduler talks to:
 * - `FLY_API_TOKEN` set: the real one, or the one at `FLY_API_URL` (a standalone `npm run fly:emulator`
 *   several instances share, when that URL is on loopback: the token is then the emulator's);
 * - no token, `FLY_API_URL` set: that emulator, with the token it keeps in this DATA_DIR (shared DATA_DIR);
 * - neither: an emulator started here, in-process, whose machines run the local transcoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackUrl } from '../config/load-config.js';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import { createFlyClient, type FlyClientOptions } from '../fly/client.js';
import type { FlyClient } from '../fly/client-types.js';
import { type LocalEmulator, startLocalEmulator } from '../local-emulator.js';

export interface FlyApi {
  client: FlyClient;
  /** `real`, `emulator` (standalone, at FLY_API_URL) or `in-process`. */
  kind: 'real' | 'emulator' | 'in-process';
  /** The in-process emulator, when this started one. */
  emulator?: LocalEmulator;
  /** Stops the in-process emulator, if this started one (its machines get their stop signal). */
  close(): Promise<void>;
}

/** The client for the worker app's machines, starting the in-process emulator if that is the one to use. */
export async function connectFlyApi(config: Config, logger: Logger, clientOptions: Partial<FlyClientOptions> = {}): Promise<FlyApi> {
  const { fly } = config;
  const client = (baseUrl: string | undefined, token: string) =>
    createFlyClient({ baseUrl, token, appName: fly.workerApp, logger, ...clientOptions });
  if (fly.apiToken !== null) {
    const kind = fly.apiUrl !== null && isLoopbackUrl(fly.apiUrl) ? 'emulator' : 'real';
    return { client: client(fly.apiUrl ?? undefined, fly.apiToken), kind, close: async () => {} };
  }
  if (fly.apiUrl !== null) {
    const tokenFile = path.join(config.dataDir, 'fly-emulator', 'token');
    const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : null;
    if (token === null) logger.warn(`FLY_API_URL is set without FLY_API_TOKEN and ${tokenFile} does not exist: set FLY_API_TOKEN to the token the emulator printed`);
    return { client: client(fly.apiUrl, token ?? 'missing-token'), kind: 'emulator', close: async () => {} };
  }

  // The local stack's emulator, loaded only here and never part of the production bundle.
  const emulator = await startLocalEmulator({ dataDir: config.dataDir, region: fly.region, env: fly.emulatorEnv, logger });
  return { client: client(emulator.url, emulator.token), kind: 'in-process', emulator, close: () => emulator.close() };
}
