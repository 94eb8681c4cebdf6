/** The read side: list (with its filters), get, and the events window. */
import type { MachineEvent } from '../../protocol/fly-machines.js';
import { type EmulatorContext, findMachine } from './context.js';
import { badRequest } from './errors.js';
import { MAX_EVENTS, toWireMachine, type WireMachine } from './record.js';

const DEFAULT_EVENTS = 20;

/**
 * `GET /machines`: `region`, `state` (comma list), `metadata.<key>=<value>` (all must match),
 * `include_deleted` and `summary`. Machines inside the post-create 404 window are not listed yet.
 */
export function listMachines(context: EmulatorContext, app: string, query: URLSearchParams): WireMachine[] {
  const now = Date.now();
  const includeDeleted = query.get('include_deleted') === 'true';
  const region = query.get('region');
  const states = query.get('state')?.split(',').filter(Boolean) ?? [];
  const metadata = [...query.entries()].filter(([key]) => key.startsWith('metadata.')).map(([key, value]) => [key.slice('metadata.'.length), value] as const);
  const summary = query.get('summary') === 'true';
  return context.store
    .all()
    .filter((record) => record.app === app && now >= record.createdAt + context.options.notFoundWindowMs)
    .filter((record) => includeDeleted || record.state !== 'destroyed')
    .filter((record) => !region || record.region === region)
    .filter((record) => states.length === 0 || states.includes(record.state))
    .filter((record) => metadata.every(([key, value]) => record.config.metadata?.[key] === value))
    .sort((left, right) => left.createdAt - right.createdAt)
    .map((record) => toWireMachine(record, { summary }));
}

export function getMachine(context: EmulatorContext, app: string, machineId: string): WireMachine {
  return toWireMachine(findMachine(context, app, machineId));
}

/** `GET .../events?limit=`: newest first, 20 unless asked, never more than 50. */
export function listEvents(context: EmulatorContext, app: string, machineId: string, query: URLSearchParams): MachineEvent[] {
  const record = findMachine(context, app, machineId);
  const limit = Number(query.get('limit') ?? DEFAULT_EVENTS);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('limit must be a positive integer');
  return record.events.slice(0, Math.min(limit, MAX_EVENTS));
}
