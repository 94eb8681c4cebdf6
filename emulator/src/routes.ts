/**
 * The emulated subset of `/v1/apps/{app}/machines`, as a table: method, path, the rate-limit action,
 * and the handler. Guarded routes check the lease nonce before they act.
 */
import type { FlyAction } from '../../protocol/fly-rate-limits.js';
import { isRecord, stopSettings } from './config.js';
import { type EmulatorContext, findMachine } from './context.js';
import { createMachine } from './create.js';
import { apiError, EmulatorError, failedPrecondition, machineNotFound } from './errors.js';
import { acquireLease, guardLease, leaseEnvelope, liveLease, releaseLease, wireLease } from './leases.js';
import { destroyMachine, startMachine, stopMachine } from './lifecycle.js';
import { getMachine, listEvents, listMachines } from './queries.js';
import type { MachineRecord } from './record.js';
import { updateMachine } from './update.js';
import { waitForMachine } from './wait.js';

export interface EmulatorRequest {
  app: string;
  machineId: string | undefined;
  query: URLSearchParams;
  body: unknown;
  /** The `fly-machine-lease-nonce` header. */
  nonce: string | undefined;
  /** Aborts when the caller hangs up. */
  signal: AbortSignal;
}

export interface Reply {
  status: number;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  action: FlyAction;
  handle: (context: EmulatorContext, request: EmulatorRequest) => Reply | Promise<Reply>;
}

const MACHINES = /^\/v1\/apps\/([^/]+)\/machines$/;
const MACHINE = /^\/v1\/apps\/([^/]+)\/machines\/([^/]+)$/;
const machineAction = (name: string): RegExp => new RegExp(`^/v1/apps/([^/]+)/machines/([^/]+)/${name}$`);

/** States in which a machine may be destroyed without `force`. */
const DESTROYABLE_STATES = new Set(['created', 'stopped', 'suspended', 'failed']);

const ok = (body: unknown): Reply => ({ status: 200, body });

/** Finds the live machine, checks the lease, then acts. */
function guarded(act: (context: EmulatorContext, record: MachineRecord, request: EmulatorRequest) => Reply): Route['handle'] {
  return (context, request) => {
    const record = liveMachineOf(context, request);
    guardLease(record, request.nonce);
    return act(context, record, request);
  };
}

function machineOf(context: EmulatorContext, request: EmulatorRequest): MachineRecord {
  return findMachine(context, request.app, request.machineId ?? '');
}

/** A destroyed machine can still be read for a while, but is gone for every change. */
function liveMachineOf(context: EmulatorContext, request: EmulatorRequest): MachineRecord {
  const record = machineOf(context, request);
  if (record.state === 'destroyed') throw machineNotFound();
  return record;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: MACHINES, action: 'list', handle: (context, request) => ok(listMachines(context, request.app, request.query)) },
  { method: 'POST', pattern: MACHINES, action: 'create', handle: (context, request) => ok(createMachine(context, request.app, request.body)) },
  { method: 'GET', pattern: MACHINE, action: 'get', handle: (context, request) => ok(getMachine(context, request.app, request.machineId ?? '')) },
  { method: 'POST', pattern: MACHINE, action: 'update', handle: guarded((context, record, request) => ok(updateMachine(context, record, request.body))) },
  {
    method: 'DELETE',
    pattern: MACHINE,
    action: 'destroy',
    handle: guarded((context, record, request) => {
      // Docs and specs say `force`; fly-go sends `kill`.
      const force = request.query.get('force') === 'true' || request.query.get('kill') === 'true';
      if (record.state === 'destroying') return ok({ ok: true });
      if (!force && !DESTROYABLE_STATES.has(record.state)) throw failedPrecondition(`unable to destroy machine, not currently stopped or suspended (currently ${record.state})`);
      destroyMachine(context, record, 'user');
      return ok({ ok: true });
    }),
  },
  { method: 'POST', pattern: machineAction('start'), action: 'start', handle: guarded((context, record) => ok(startMachine(context, record))) },
  {
    method: 'POST',
    pattern: machineAction('stop'),
    action: 'stop',
    handle: guarded((context, record, request) => {
      const body = request.body ?? {};
      if (!isRecord(body)) throw apiError(400, `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type main.stopRequest`);
      stopMachine(context, record, stopSettings(record.config, body));
      return ok({ ok: true });
    }),
  },
  {
    method: 'GET',
    pattern: machineAction('wait'),
    action: 'wait',
    handle: async (context, request) => ok(await waitForMachine(context, { app: request.app, machineId: request.machineId ?? '', query: request.query, signal: request.signal })),
  },
  {
    method: 'POST',
    pattern: machineAction('lease'),
    action: 'lease',
    handle: (context, request) => ({ status: 201, body: leaseEnvelope(acquireLease(context, liveMachineOf(context, request), request)) }),
  },
  {
    method: 'GET',
    pattern: machineAction('lease'),
    action: 'lease',
    handle: (context, request) => {
      const lease = liveLease(machineOf(context, request));
      if (!lease) throw new EmulatorError(404, { error: 'lease not found' });
      return ok(leaseEnvelope(wireLease(lease)));
    },
  },
  {
    method: 'DELETE',
    pattern: machineAction('lease'),
    action: 'lease',
    handle: (context, request) => {
      releaseLease(context, machineOf(context, request), request.nonce);
      return ok(leaseEnvelope({ ok: true }));
    },
  },
  { method: 'GET', pattern: machineAction('events'), action: 'events', handle: (context, request) => ok(listEvents(context, request.app, request.machineId ?? '', request.query)) },
];

/** The route for a method and path, with the app and machine id taken from the path. */
export function matchRoute(method: string, pathname: string): { route: Route; app: string; machineId: string | undefined } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (match?.[1]) return { route, app: decodeURIComponent(match[1]), machineId: match[2] && decodeURIComponent(match[2]) };
  }
  return undefined;
}
