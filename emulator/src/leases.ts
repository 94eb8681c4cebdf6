/**
 * Leases: one nonce at a time per machine, expiring on its TTL. Guarded calls without the live nonce
 * get 409; the lease endpoints answer in their `{status, data}` envelope.
 */
import type { Lease } from '../../protocol/fly-machines.js';
import { isRecord } from './config.js';
import { changed, type EmulatorContext } from './context.js';
import { apiError, badRequest, EmulatorError } from './errors.js';
import { newLeaseNonce } from './ids.js';
import { type MachineRecord, rfc3339Seconds, type StoredLease } from './record.js';

export const LEASE_OWNER = 'ffly-emulator@tokens.fly.io';
const DEFAULT_TTL_SECONDS = 30;

/** The lease in force, dropping an expired one. */
export function liveLease(record: MachineRecord, now: number = Date.now()): StoredLease | undefined {
  if (record.lease && record.lease.expiresAt <= now) delete record.lease;
  return record.lease;
}

/** Throws 409 when someone else's lease is in force (update, start, stop, destroy). */
export function guardLease(record: MachineRecord, nonce: string | undefined): void {
  const lease = liveLease(record);
  if (lease && lease.nonce !== nonce) throw apiError(409, `aborted: ${heldMessage(record, lease)}`);
}

/** Takes a lease, or refreshes it (same nonce) when `nonce` is the current one. */
export function acquireLease(context: EmulatorContext, record: MachineRecord, request: { body: unknown; query: URLSearchParams; nonce: string | undefined }): Lease {
  const body = isRecord(request.body) ? request.body : {};
  const ttl = Number(body.ttl ?? request.query.get('ttl') ?? DEFAULT_TTL_SECONDS);
  if (!Number.isInteger(ttl) || ttl <= 0) throw badRequest('ttl must be a positive number of seconds');
  const description = typeof body.description === 'string' ? body.description : '';
  const now = Date.now();
  const current = liveLease(record, now);
  if (current && current.nonce !== request.nonce) {
    throw new EmulatorError(409, { status: 'error', message: heldMessage(record, current), code: 'invalid' });
  }
  record.lease = { nonce: current?.nonce ?? newLeaseNonce(), expiresAt: now + ttl * 1_000, owner: LEASE_OWNER, description, version: record.instanceId };
  changed(context, record);
  return wireLease(record.lease);
}

export function releaseLease(context: EmulatorContext, record: MachineRecord, nonce: string | undefined): void {
  const lease = liveLease(record);
  if (!lease) throw new EmulatorError(404, { status: 'error', message: 'lease not found', code: 'not_found' });
  if (lease.nonce !== nonce) throw new EmulatorError(409, { status: 'error', message: heldMessage(record, lease), code: 'invalid' });
  delete record.lease;
  changed(context, record);
}

export function wireLease(lease: StoredLease): Lease {
  return { nonce: lease.nonce, expires_at: Math.floor(lease.expiresAt / 1_000), owner: lease.owner, description: lease.description, version: lease.version };
}

export function leaseEnvelope<T>(data: T): { status: 'success'; data: T } {
  return { status: 'success', data };
}

function heldMessage(record: MachineRecord, lease: StoredLease): string {
  return `machine ID ${record.id} lease currently held by ${lease.owner}, expires at ${rfc3339Seconds(lease.expiresAt)}`;
}
