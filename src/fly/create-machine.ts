/**
 * Create without ever creating twice. The API has no idempotency key, and a 408, a 5xx or a lost
 * connection on create says nothing about whether the machine exists. So, like flyctl's
 * `launchGreenMachineWithRetry`, the client stamps a launch id into the machine's metadata and, after
 * an ambiguous failure, looks for it with a metadata-filtered list before it tries again. The list is
 * eventually consistent, so the lookup is repeated a few times before concluding that nothing was made.
 */
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from '../../protocol/backoff.js';
import { sleep } from './backoff.js';
import { type CallOptions, type CreateMachineInput, LAUNCH_ID_METADATA_KEY, type ListMachinesFilter } from './client-types.js';
import { FlyApiError, FlyNetworkError } from './errors.js';
import { parseMachine } from './parse.js';
import type { Transport } from './transport.js';
import type { Machine } from '../../protocol/fly-machines.js';
import { ulid } from '../../protocol/ulid.js';

export interface CreateReconcileOptions {
  /** How many list lookups for the launch id before concluding the create did not happen. @default 3 */
  lookups: number;
  /** Pause between lookups, for the list to catch up. @default 1000 */
  intervalMs: number;
}

export interface CreateMachineDeps {
  send: Transport;
  listMachines: (filter: ListMachinesFilter, options?: CallOptions) => Promise<Machine[]>;
  onCreated: (machineId: string) => void;
  logger: Logger;
  backoff: BackoffOptions;
  maxAttempts: number;
  reconcile: CreateReconcileOptions;
}

export async function createMachine(deps: CreateMachineDeps, input: CreateMachineInput, options: CallOptions = {}): Promise<Machine> {
  const launchId = input.launchId ?? ulid();
  const logger = deps.logger.child({ launchId });
  const body = {
    config: { ...input.config, metadata: { ...input.config.metadata, [LAUNCH_ID_METADATA_KEY]: launchId } },
    name: input.name,
    region: input.region,
    skip_launch: input.skipLaunch,
    lease_ttl: input.leaseTtlSeconds,
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await deps.send({ method: 'POST', path: '/machines', action: 'create', body, retry: 'unsafe', signal: options.signal });
      const machine = parseMachine(response.body, 'POST /machines');
      deps.onCreated(machine.id);
      return machine;
    } catch (error) {
      const retried = attempt > 0;
      if (!isUnknownOutcome(error) && !(retried && isAlreadyExists(error))) throw error;
      logger.warn({ err: error, attempt: attempt + 1 }, 'create had an unknown outcome; looking for the machine by launch id');
      const existing = await findByLaunchId(deps, launchId, options);
      if (existing) {
        logger.info({ machineId: existing.id }, 'found the machine the failed create made');
        deps.onCreated(existing.id);
        return existing;
      }
      if (attempt + 1 >= deps.maxAttempts || isAlreadyExists(error)) throw error;
      await sleep(backoffDelay(attempt, deps.backoff), options.signal);
    }
  }
}

async function findByLaunchId(deps: CreateMachineDeps, launchId: string, options: CallOptions): Promise<Machine | undefined> {
  for (let lookup = 0; lookup < deps.reconcile.lookups; lookup += 1) {
    if (lookup > 0) await sleep(deps.reconcile.intervalMs, options.signal);
    const [machine] = await deps.listMachines({ metadata: { [LAUNCH_ID_METADATA_KEY]: launchId } }, options);
    if (machine) return machine;
  }
  return undefined;
}

/** The request may or may not have created the machine. */
function isUnknownOutcome(error: unknown): boolean {
  if (error instanceof FlyNetworkError) return true;
  return error instanceof FlyApiError && (error.status === 408 || error.status >= 500);
}

/** A retried create with a fixed `name` that the lost first attempt already used. */
function isAlreadyExists(error: unknown): boolean {
  return error instanceof FlyApiError && error.status === 409 && error.errorText.includes('already_exists');
}
