/**
 * The scheduler's calls on one machine, each under a Fly lease so that nobody else (a second
 * scheduler during a leadership change, an operator's flyctl) acts on the machine at the same time.
 * A lease someone else holds means "leave this machine alone", never an error.
 */
import type { Logger } from 'pino';
import type { FlyClient } from '../fly/client-types.js';
import { isLeaseConflict, isNotFound } from '../fly/errors.js';
import type { Machine, MachineConfig } from '../../protocol/fly-machines.js';

/** Long enough for a start or a destroy with retries; released as soon as the call is done. */
const LEASE_TTL_SECONDS = 30;
/** A release may not hold up a shutdown: past this, the lease is left to expire. */
const RELEASE_TIMEOUT_MS = 3_000;

export interface MachineActionsDeps {
  client: FlyClient;
  logger: Logger;
}

/** `done`, or why nothing happened: someone else holds the lease, or the machine no longer exists. */
export type LeasedOutcome = 'done' | 'leased-elsewhere' | 'gone';

/**
 * Starts a stopped machine. The client retries the 412 a machine answers while it is still stopping
 * or being replaced; a capacity error (a full host) is thrown for the caller to replace the machine.
 */
export function startPoolMachine(deps: MachineActionsDeps, machineId: string, signal: AbortSignal): Promise<LeasedOutcome> {
  return withLease(deps, machineId, 'start', signal, (nonce) => deps.client.startMachine(machineId, { nonce, signal }));
}

/** Stops a running machine with its stop signal (SIGTERM: the worker hands its job back). */
export function stopPoolMachine(deps: MachineActionsDeps, machineId: string, signal: AbortSignal): Promise<LeasedOutcome> {
  return withLease(deps, machineId, 'stop', signal, (nonce) => deps.client.stopMachine(machineId, { nonce, signal }));
}

/** Destroys a machine; `force` kills one that runs (or is `failed`, which plain destroy refuses). */
export function destroyPoolMachine(deps: MachineActionsDeps, machineId: string, options: { force: boolean; signal: AbortSignal }): Promise<LeasedOutcome> {
  const destroy = (nonce: string) => deps.client.destroyMachine(machineId, { nonce, force: options.force, signal: options.signal });
  // A destroyed machine takes its lease with it: nothing to release.
  return withLease(deps, machineId, 'destroy', options.signal, destroy, { release: false });
}

async function withLease(
  deps: MachineActionsDeps,
  machineId: string,
  purpose: string,
  signal: AbortSignal,
  act: (nonce: string) => Promise<unknown>,
  options: { release: boolean } = { release: true },
): Promise<LeasedOutcome> {
  let nonce: string;
  try {
    ({ nonce } = await deps.client.acquireLease(machineId, { ttlSeconds: LEASE_TTL_SECONDS, description: `ffly scheduler: ${purpose}`, signal }));
  } catch (error) {
    if (isLeaseConflict(error)) return 'leased-elsewhere';
    if (isNotFound(error)) return 'gone';
    throw error;
  }
  let released = !options.release;
  try {
    await act(nonce);
    return 'done';
  } catch (error) {
    if (!isNotFound(error)) throw error;
    released = true;
    return 'gone';
  } finally {
    if (!released) {
      // Not tied to `signal`: a lease left behind would block the next leader for its whole TTL.
      await deps.client.releaseLease(machineId, nonce, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) }).catch((error: unknown) => deps.logger.warn({ err: error, machineId }, 'could not release a machine lease; it expires on its own'));
    }
  }
}

/** Creates a worker machine; it boots at once (after the image pull). */
export function createPoolMachine(client: FlyClient, input: { config: MachineConfig; region: string | null }, signal: AbortSignal): Promise<Machine> {
  return client.createMachine({ config: input.config, region: input.region ?? undefined }, { signal });
}
