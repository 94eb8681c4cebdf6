/**
 * `POST /machines`: answers `created` at once, then boots in the background after the image pull
 * (unless `skip_launch`). The `failCreates` knob can fail a create before or after committing it.
 */
import { ulid } from '../../protocol/ulid.js';
import { isRecord, normaliseConfig } from './config.js';
import { checkImageAvailable } from './images.js';
import { addEvent, type EmulatorContext } from './context.js';
import { apiError, badRequest, type EmulatorError } from './errors.js';
import { newLeaseNonce, newMachineId, newMachineName, newPrivateIp } from './ids.js';
import { LEASE_OWNER } from './leases.js';
import { bootMachine } from './lifecycle.js';
import type { CreateFailure } from './options.js';
import { type MachineRecord, toWireMachine, type WireMachine } from './record.js';

/** Region aliases (fly docs "machine placement") all land in the emulator's one region. */
const REGION_ALIASES = new Set(['any', 'us', 'eu', 'na', 'sa', 'as', 'af', 'oc']);

export function createMachine(context: EmulatorContext, app: string, body: unknown): WireMachine {
  if (!isRecord(body)) throw badRequest('body must be a JSON object');
  const config = normaliseConfig(body.config);
  checkImageAvailable(context, config.image);
  const name = body.name ?? newMachineName();
  if (typeof name !== 'string' || name === '') throw badRequest('name must be a non-empty string');
  const sameName = context.store.all().find((other) => other.app === app && other.name === name && other.state !== 'destroyed');
  if (sameName) throw apiError(409, `already_exists: machine ID ${sameName.id} already exists with name "${name}"`);
  const leaseTtl = body.lease_ttl;
  if (leaseTtl !== undefined && (typeof leaseTtl !== 'number' || !Number.isInteger(leaseTtl) || leaseTtl <= 0)) {
    throw badRequest('lease_ttl must be a positive number of seconds');
  }

  const failure = takeCreateFailure(context);
  if (failure && failure.afterCommit === false) throw failureResponse(failure);

  const now = Date.now();
  const record: MachineRecord = {
    id: newMachineId(),
    app,
    name,
    region: pickRegion(body.region, context.options.region),
    instanceId: ulid(now),
    privateIp: newPrivateIp(),
    config,
    state: 'created',
    createdAt: now,
    updatedAt: now,
    events: [],
    replacedVersions: [],
    imageReadyAt: now + context.options.createDelayMs,
    restartTimes: [],
    restartCount: 0,
  };
  if (leaseTtl !== undefined) {
    record.lease = { nonce: newLeaseNonce(), expiresAt: now + leaseTtl * 1_000, owner: LEASE_OWNER, description: '', version: record.instanceId };
  }
  context.store.add(record);
  addEvent(context, record, { type: 'launch', status: 'pending', source: 'flyd' });
  addEvent(context, record, { type: 'launch', status: 'created', source: 'user' });
  // The answer shows `created`: the boot below changes the state only after it has been serialised.
  const answer = toWireMachine(record, { nonce: record.lease?.nonce });
  if (body.skip_launch !== true) bootMachine(context, record, { source: 'flyd' });
  if (failure) throw failureResponse(failure);
  return answer;
}

function takeCreateFailure(context: EmulatorContext): CreateFailure | undefined {
  const failure = context.createFailure;
  if (!failure || failure.count <= 0) return undefined;
  failure.count -= 1;
  return failure;
}

function failureResponse(failure: CreateFailure): EmulatorError {
  return failure.status === 408
    ? apiError(408, 'deadline_exceeded: context deadline exceeded')
    : apiError(failure.status, `unavailable: emulated failure (${failure.status})`);
}

/** The first region of a priority list (`iad,ord`); aliases and an absent region give the default. */
function pickRegion(requested: unknown, fallback: string): string {
  if (typeof requested !== 'string' || requested.trim() === '') return fallback;
  const first = requested.split(',')[0]?.trim() ?? '';
  return first === '' || REGION_ALIASES.has(first) ? fallback : first;
}
