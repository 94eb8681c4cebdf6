/**
 * A local Fly Machines API whose machines are local processes: same paths, shapes, states, leases,
 * waits and rate limits as the real one (within what is known of it), plus knobs to inject its faults.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { stopSettings } from './config.js';
import { cancelPendingSteps, type EmulatorContext, setState } from './context.js';
import { loadOrCreateToken } from './files.js';
import { createEmulatorServer } from './http-server.js';
import { adoptProcess, endProcess } from './lifecycle.js';
import { silentLogger } from './logger.js';
import { type CreateFailure, type FlyEmulatorOptions, resolveOptions } from './options.js';
import { signalGroup } from './processes.js';
import { MachineStore, RUNNING_STATES } from './store.js';

export interface FlyEmulator {
  /** The API token it accepts (give it to clients as `FLY_API_TOKEN`). */
  readonly token: string;
  /** The API root to give the client as `baseUrl`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops every machine process (its stop signal, SIGKILL after `shutdownGraceMs`), leaves the machines
   * `stopped`, writes the state and closes the server. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Signals a machine's process group behind the API's back, as a crash or the OOM killer would: the
   * machine sees an exit it did not ask for, and its restart policy applies. False if nothing runs.
   */
  killMachineProcess(machineId: string, signal?: NodeJS.Signals): boolean;
  /** The pid of the machine's main process, while one runs. */
  machineProcessId(machineId: string): number | undefined;
  /** Fails the next `count` creates with `status` (after creating the machine, unless `afterCommit: false`). */
  failNextCreates(failure: CreateFailure): void;
  /** The registry loses `image` (Fly prunes images never deployed): creates naming it are refused from now on. */
  markImageMissing(image: string): void;
}

/**
 * Starts the emulator: loads the machines kept in `dataDir` (those that were running come back
 * `stopped`) and listens. It reads no environment; pass `emulatorOptionsFromEnv(process.env)` for that.
 */
export async function createFlyEmulator(options: FlyEmulatorOptions): Promise<FlyEmulator> {
  const token = options.token ?? (await loadOrCreateToken(join(options.dataDir, 'token')));
  const resolved = resolveOptions({ ...options, token });
  const store = new MachineStore(resolved.dataDir);
  const survivors = store.load();
  const context: EmulatorContext = {
    options: resolved,
    store,
    logger: (options.logger ?? silentLogger()).child({ component: 'fly-emulator' }),
    runtimes: new Map(),
    watchers: new Map(),
    createFailure: options.failCreates && { ...options.failCreates },
    missingImages: new Set(resolved.missingImages),
    closing: false,
  };
  for (const record of survivors) adoptProcess(context, record);
  const server = createEmulatorServer(context);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  // Not as a `url` field: the logger redacts those (they are usually presigned).
  context.logger.info({ dataDir: resolved.dataDir, machines: store.all().length }, `Fly Machines emulator listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    close: () => (closing ??= shutdown(context, server)),
    killMachineProcess: (machineId, signal = 'SIGKILL') => signalGroup(context.runtimes.get(machineId)?.child?.pid, signal),
    machineProcessId: (machineId) => context.runtimes.get(machineId)?.child?.pid,
    failNextCreates: (failure) => {
      context.createFailure = { ...failure };
    },
    markImageMissing: (image) => {
      context.missingImages.add(image);
    },
  };
}

async function shutdown(context: EmulatorContext, server: Server): Promise<void> {
  context.closing = true;
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Pending long polls would otherwise hold the server open for up to a minute.
  server.closeAllConnections();
  await Promise.all(
    context.store.all().map(async (record) => {
      const runtime = context.runtimes.get(record.id);
      if (runtime) {
        cancelPendingSteps(runtime);
        const stop = stopSettings(record.config);
        await endProcess(context, record, { signal: stop.signal, timeoutMs: Math.min(stop.timeoutMs, context.options.shutdownGraceMs) });
      }
      if (RUNNING_STATES.has(record.state)) setState(context, record, 'stopped');
      if (record.state === 'destroying') setState(context, record, 'destroyed');
    }),
  );
  context.store.close();
  await serverClosed;
  context.logger.info('Fly Machines emulator stopped');
}
