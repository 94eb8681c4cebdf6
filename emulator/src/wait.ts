/**
 * `GET .../wait`: a long poll of 1 to 60 seconds that answers as soon as the machine (at `version`,
 * after `from_event_id`) is in one of the wanted states, and 408 when the time is up.
 */
import { SETTLED_STATES, type WaitResult } from '../../protocol/fly-machines.js';
import { type EmulatorContext, findMachine, watchMachine } from './context.js';
import { apiError, badRequest, EmulatorError, machineNotFound } from './errors.js';

const WAITABLE = new Set(['started', 'stopped', 'suspended', 'destroyed', 'failed', 'settled']);

export interface WaitRequest {
  app: string;
  machineId: string;
  query: URLSearchParams;
  /** Aborts when the caller hangs up. */
  signal: AbortSignal;
}

export async function waitForMachine(context: EmulatorContext, request: WaitRequest): Promise<WaitResult> {
  const { query } = request;
  const timeoutSeconds = Number(query.get('timeout') ?? 60);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 60) {
    throw badRequest('invalid WaitMachineRequest.Timeout: value must be inside range [1s, 1m0s]');
  }
  const states = query.getAll('state').flatMap((value) => value.split(',')).filter(Boolean);
  if (states.length === 0) states.push('started');
  const unknown = states.find((state) => !WAITABLE.has(state));
  if (unknown) throw badRequest(`invalid state "${unknown}"`);
  const version = query.get('version') ?? query.get('instance_id') ?? undefined;
  if (context.options.strictWait && states.includes('stopped') && !version) {
    throw apiError(400, 'instance_id required when waiting for stopped machine');
  }
  const fromEventId = query.get('from_event_id') ?? undefined;

  /** The answer if the wait is over (or an error to throw), undefined to keep waiting. */
  const check = (): WaitResult | EmulatorError | undefined => {
    let record;
    try {
      record = findMachine(context, request.app, request.machineId);
    } catch (error) {
      return error as EmulatorError;
    }
    if (version && version !== record.instanceId) {
      return record.replacedVersions.includes(version) ? timedOut(states, 'replaced') : apiError(404, 'not_found: machine version not found');
    }
    const stateMatches = states.includes(record.state) || (states.includes('settled') && SETTLED_STATES.includes(record.state));
    const latestEvent = record.events[0];
    const afterEvent = !fromEventId || (latestEvent !== undefined && latestEvent.id > fromEventId);
    if (stateMatches && afterEvent) return { ok: true, state: record.state, version: record.instanceId, event_id: latestEvent?.id };
    // A destroyed machine reaches nothing else; like the real API, that is a 404.
    if (record.state === 'destroyed') return machineNotFound();
    return undefined;
  };

  const settled = await new Promise<WaitResult | EmulatorError>((resolve) => {
    const first = check();
    if (first) return resolve(first);
    const finish = (result: WaitResult | EmulatorError): void => {
      stopWatching();
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = (): void => finish(apiError(499, 'canceled: client closed the request'));
    const stopWatching = watchMachine(context, request.machineId, () => {
      const result = check();
      if (result) finish(result);
    });
    const timer = setTimeout(() => finish(timedOut(states, context.store.get(request.machineId)?.state ?? 'destroyed')), timeoutSeconds * 1_000);
    request.signal.addEventListener('abort', onAbort);
  });
  if (settled instanceof EmulatorError) throw settled;
  return settled;
}

function timedOut(states: readonly string[], current: string): EmulatorError {
  return apiError(408, `deadline_exceeded: machine failed to reach desired state, ${states.join(',')}, currently ${current}`);
}
