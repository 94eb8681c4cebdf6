import { describe, expect, test } from 'vitest';
import {
  createFlyClient,
  FlyApiError,
  FlyResponseShapeError,
  isCapacityError,
  isLeaseConflict,
  isWaitTimeout,
  latestExit,
} from '../../src/fly/index.js';
import {
  exitEvent,
  FLY_REQUEST_ID,
  hostCapacity,
  leaseEnvelope,
  machineWithNulls,
  newLeaseConflict,
  oldLeaseConflict,
  releaseEnvelope,
  startResponse,
  stopEvent,
  waitTimeout,
} from './fixtures/recorded-responses.js';
import { serveCanned } from './helpers.js';

const MACHINE = `/v1/apps/recorded/machines/${machineWithNulls.id}`;

async function clientFor(routes: Parameters<typeof serveCanned>[0]) {
  const server = await serveCanned(routes);
  return createFlyClient({ baseUrl: server.url, token: 'token', appName: 'recorded', rateLimits: false, maxAttempts: 1 });
}

describe('the Fly client reading responses recorded from the real API', () => {
  test('a machine with the nulls older servers send parses with those fields absent', async () => {
    const client = await clientFor({ [`GET ${MACHINE}`]: { body: machineWithNulls } });

    const machine = await client.getMachine(machineWithNulls.id);

    expect(machine).toMatchObject({ id: '1857156b526dd8', state: 'created', instance_id: '01HEPA330HZ37A78TK080NAK1M', events: [] });
    expect(machine.config).not.toHaveProperty('env');
    expect(machine.config).not.toHaveProperty('metadata');
    expect(machine.config?.image).toBe('registry-1.docker.io/library/ubuntu:latest');
  });

  test('the exit event recorded after an API stop gives its exit code to latestExit', async () => {
    const client = await clientFor({ [`GET ${MACHINE}/events`]: { body: [exitEvent, stopEvent] } });

    const events = await client.listEvents(machineWithNulls.id);

    expect(latestExit(events)).toMatchObject({ exit_code: 0, requested_stop: true, restart_count: 0, event_id: exitEvent.id });
  });

  test('the lease envelope parses to its data', async () => {
    const client = await clientFor({ [`POST ${MACHINE}/lease`]: { status: 201, body: leaseEnvelope } });

    await expect(client.acquireLease(machineWithNulls.id, { ttlSeconds: 30 })).resolves.toEqual(leaseEnvelope.data);
  });

  test('the release envelope resolves releaseLease', async () => {
    const server = await serveCanned({ [`DELETE ${MACHINE}/lease`]: { body: releaseEnvelope } });
    const client = createFlyClient({ baseUrl: server.url, token: 'token', appName: 'recorded', rateLimits: false });

    await client.releaseLease(machineWithNulls.id, '5c35f65c9f95');

    expect(server.requests).toEqual([`DELETE ${MACHINE}/lease`]);
  });

  test('the start response parses as recorded', async () => {
    const client = await clientFor({ [`POST ${MACHINE}/start`]: { body: startResponse } });

    await expect(client.startMachine(machineWithNulls.id)).resolves.toEqual(startResponse);
  });

  test('an error keeps its status, fly-request-id, body and gRPC-style code', async () => {
    const client = await clientFor({ [`GET ${MACHINE}/wait`]: { status: 408, body: waitTimeout, headers: { 'fly-request-id': FLY_REQUEST_ID } } });

    const error = await client.waitForState(machineWithNulls.id, { states: 'started', timeoutMs: 0 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FlyApiError);
    expect(error).toMatchObject({ status: 408, requestId: FLY_REQUEST_ID, body: waitTimeout, code: 'deadline_exceeded' });
    expect(isWaitTimeout(error)).toBe(true);
  });

  test('both the old envelope and the newer error form of a lease conflict are lease conflicts', async () => {
    const client = await clientFor({ [`POST ${MACHINE}/lease`]: [{ status: 409, body: oldLeaseConflict }, { status: 409, body: newLeaseConflict }] });

    const old = await client.acquireLease(machineWithNulls.id, { ttlSeconds: 30 }).catch((caught: unknown) => caught);
    const current = await client.acquireLease(machineWithNulls.id, { ttlSeconds: 30 }).catch((caught: unknown) => caught);

    expect(isLeaseConflict(old)).toBe(true);
    expect(isLeaseConflict(current)).toBe(true);
    expect(old).toMatchObject({ errorText: oldLeaseConflict.message, reason: undefined });
  });

  test('a host out of memory on start is a capacity error, not a lease conflict', async () => {
    const client = await clientFor({ [`POST ${MACHINE}/start`]: { status: 409, body: hostCapacity } });

    const error = await client.startMachine(machineWithNulls.id).catch((caught: unknown) => caught);

    expect(isCapacityError(error)).toBe(true);
    expect(isLeaseConflict(error)).toBe(false);
  });

  test('a body without the documented shape is a FlyResponseShapeError', async () => {
    const client = await clientFor({ [`GET ${MACHINE}`]: { body: { name: 'no id, no state' } } });

    await expect(client.getMachine(machineWithNulls.id)).rejects.toBeInstanceOf(FlyResponseShapeError);
  });
});
