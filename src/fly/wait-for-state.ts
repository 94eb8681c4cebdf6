/**
 * `wait` as fly-go and flyctl do it: the server holds a request for at most 60 s and answers 408 when
 * the state was not reached, so waiting longer is a loop of long polls up to an overall deadline.
 */
import type { Logger } from 'pino';
import { backoffDelay } from '../../protocol/backoff.js';
import { sleep } from './backoff.js';
import type { WaitForStateOptions } from './client-types.js';
import { FlyApiError, FlyNetworkError, isVersionReplaced } from './errors.js';
import { parseWaitResult } from './parse.js';
import type { Transport } from './transport.js';
import type { Machine, WaitableState, WaitResult } from '../../protocol/fly-machines.js';

/** The server's bound on one long poll (`invalid WaitMachineRequest.Timeout: value must be inside range [1s, 1m0s]`). */
const MAX_POLL_SECONDS = 60;
/** Added to the poll's own timeout so the HTTP request outlives the server's hold. */
const POLL_GRACE_MS = 15_000;
const DEFAULT_DEADLINE_MS = 5 * 60_000;
/** flyctl's pause between polls after a fast failure: 500 ms growing to 2 s. */
const POLL_BACKOFF = { baseMs: 500, maxMs: 2_000 };

export interface WaitDeps {
  send: Transport;
  getMachine: (machineId: string, options: { signal?: AbortSignal }) => Promise<Machine>;
  notFoundGraceUntil: (machineId: string) => number | undefined;
  logger: Logger;
  maxAttempts: number;
}

export async function waitForState(deps: WaitDeps, machineId: string, options: WaitForStateOptions = {}): Promise<WaitResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_DEADLINE_MS);
  const states: readonly WaitableState[] = typeof options.states === 'string' ? [options.states] : (options.states ?? ['started']);
  const version = options.version ?? (states.includes('stopped') ? (await deps.getMachine(machineId, options)).instance_id : undefined);
  let failures = 0;
  for (;;) {
    const pollSeconds = Math.min(MAX_POLL_SECONDS, Math.max(1, Math.floor((deadline - Date.now()) / 1_000)));
    const query = new URLSearchParams(states.map((state) => ['state', state]));
    query.set('timeout', String(pollSeconds));
    if (version) query.set('version', version);
    if (options.fromEventId) query.set('from_event_id', options.fromEventId);
    try {
      const response = await deps.send({
        method: 'GET',
        path: `/machines/${machineId}/wait`,
        action: 'wait',
        machineId,
        query,
        nonce: options.nonce,
        // The loop below owns retries of 408 and 5xx; the transport only handles 429 and fresh-machine 404s.
        retry: 'unsafe',
        retryNotFoundUntil: deps.notFoundGraceUntil(machineId),
        timeoutMs: pollSeconds * 1_000 + POLL_GRACE_MS,
        signal: options.signal,
      });
      return parseWaitResult(response.body, `GET /machines/${machineId}/wait`);
    } catch (error) {
      if (error instanceof FlyApiError && error.status === 404 && states.includes('destroyed')) return { ok: true, state: 'destroyed' };
      if (!isRetryableWaitFailure(error)) throw error;
      failures = error instanceof FlyApiError && error.status === 408 ? 0 : failures + 1;
      if (failures >= deps.maxAttempts || Date.now() >= deadline) throw error;
      const pause = Math.min(backoffDelay(failures, POLL_BACKOFF), Math.max(0, deadline - Date.now()));
      deps.logger.debug({ machineId, states, pause }, `still waiting: ${error.message}`);
      await sleep(pause, options.signal);
    }
  }
}

/** 408 (not yet), 5xx and lost connections are worth another poll; a replaced version never will be. */
function isRetryableWaitFailure(error: unknown): error is FlyApiError | FlyNetworkError {
  if (error instanceof FlyNetworkError) return true;
  if (!(error instanceof FlyApiError) || isVersionReplaced(error)) return false;
  return error.status === 408 || error.status >= 500;
}
