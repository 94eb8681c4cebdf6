/**
 * The Fly Machines API client, modelled on fly-go's `flaps` package: one app per client, typed errors
 * carrying `fly-request-id`, the lease nonce on guarded calls, `wait` as a loop of long polls, and
 * client-side token buckets so that the documented rate limits are kept rather than discovered.
 */
import { type Logger, pino } from 'pino';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { FlyClient } from './client-types.js';
import { createMachine, type CreateReconcileOptions } from './create-machine.js';
import { formatDuration } from './duration.js';
import { createLeaseCalls } from './leases.js';
import { parseEvents, parseMachine, parseMachines, parseStartResult } from './parse.js';
import { FLY_RATE_LIMITS, RateLimiter, type RateLimits } from './rate-limit.js';
import { createTransport } from './transport.js';
import type { Machine } from './types.js';
import { waitForState } from './wait-for-state.js';

export const FLY_API_URL = 'https://api.machines.dev';

export interface FlyClientOptions {
  /** The API root, without `/v1` (the emulator's `url` works too). @default 'https://api.machines.dev' */
  baseUrl?: string;
  /** A Fly token: `FlyV1 fm2_…` is sent as is, anything else as `Bearer`. */
  token: string;
  appName: string;
  /** @default a silent logger */
  logger?: Logger;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Client-side limits per (action, machine); `false` turns them off. @default Fly's documented limits */
  rateLimits?: RateLimits | false;
  /** Retry backoff. @default { baseMs: 250, maxMs: 5000 } */
  backoff?: Partial<BackoffOptions>;
  /** Attempts per call, the first included. @default 5 */
  maxAttempts?: number;
  /** Timeout of one HTTP attempt (wait long polls get 60 s more). @default 30_000 */
  requestTimeoutMs?: number;
  /** A machine this client created is retried on 404 for this long (the API is eventually consistent). @default 10_000 */
  notFoundGraceMs?: number;
  /** How a create with an unknown outcome looks for the machine. @default { lookups: 3, intervalMs: 1000 } */
  createReconcile?: Partial<CreateReconcileOptions>;
}

/**
 * Network jitter allowance on top of each rate-limit wait (see RateLimiterOptions). Fly's bucket starts
 * when our first call of a burst *arrives*: if that call is the slow one (a new connection, a busy
 * event loop, a long route to api.machines.dev), a call sent when our own bucket refills can land before
 * Fly's has. 50 ms was too little even on loopback for a burst of new connections; the wait is paid only
 * by calls past the burst, which are rare.
 */
const RATE_LIMIT_MARGIN_MS = 250;
/** Most machines remembered for the 404 grace at once. */
const MAX_REMEMBERED_CREATES = 256;

/**
 * A client for one app's machines. Safe to share: the rate-limit buckets and the memory of recent
 * creates are per client, so one client per app per process keeps to Fly's limits best.
 */
export function createFlyClient(options: FlyClientOptions): FlyClient {
  const { appName } = options;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'fly-client', app: appName });
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const maxAttempts = options.maxAttempts ?? 5;
  const notFoundGraceMs = options.notFoundGraceMs ?? 10_000;
  const send = createTransport({
    baseUrl: options.baseUrl ?? FLY_API_URL,
    token: options.token,
    appName,
    fetch: options.fetch ?? globalThis.fetch,
    logger,
    rateLimiter: options.rateLimits === false ? undefined : new RateLimiter(options.rateLimits ?? FLY_RATE_LIMITS, { safetyMarginMs: RATE_LIMIT_MARGIN_MS }),
    backoff,
    maxAttempts,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  });

  const createdAt = new Map<string, number>();
  const rememberCreated = (machineId: string): void => {
    if (createdAt.size >= MAX_REMEMBERED_CREATES) createdAt.delete(createdAt.keys().next().value ?? '');
    createdAt.set(machineId, Date.now());
  };
  const notFoundGraceUntil = (machineId: string): number | undefined => {
    const created = createdAt.get(machineId);
    return created === undefined ? undefined : created + notFoundGraceMs;
  };
  const machinePath = (machineId: string, suffix = ''): string => `/machines/${encodeURIComponent(machineId)}${suffix}`;

  const client: FlyClient = {
    appName,

    async listMachines(filter = {}, callOptions = {}) {
      const query = new URLSearchParams();
      if (filter.states?.length) query.set('state', filter.states.join(','));
      for (const [key, value] of Object.entries(filter.metadata ?? {})) query.set(`metadata.${key}`, value);
      if (filter.region) query.set('region', filter.region);
      if (filter.includeDeleted) query.set('include_deleted', 'true');
      if (filter.summary) query.set('summary', 'true');
      const response = await send({ method: 'GET', path: '/machines', action: 'list', query, retry: 'idempotent', signal: callOptions.signal });
      // The spec omits the metadata filter and leaves combining several unverified: enforce AND here.
      return parseMachines(response.body, 'GET /machines').filter((machine) => matches(machine, filter));
    },

    createMachine: (input, callOptions) =>
      createMachine(
        {
          send,
          listMachines: (filter, listOptions) => client.listMachines(filter, listOptions),
          onCreated: rememberCreated,
          logger,
          backoff,
          maxAttempts,
          reconcile: { lookups: 3, intervalMs: 1_000, ...options.createReconcile },
        },
        input,
        callOptions,
      ),

    async getMachine(machineId, callOptions = {}) {
      const path = machinePath(machineId);
      const response = await send({ method: 'GET', path, action: 'get', machineId, retry: 'idempotent', retryNotFoundUntil: notFoundGraceUntil(machineId), signal: callOptions.signal });
      return parseMachine(response.body, `GET ${path}`);
    },

    async updateMachine(machineId, input, callOptions = {}) {
      const path = machinePath(machineId);
      const body = { config: input.config, skip_launch: input.skipLaunch, current_version: input.currentVersion };
      // Repeating an update under the same lease is safe (flyctl PR #5096); without one it could race another caller.
      const retry = callOptions.nonce ? 'idempotent' : 'unsafe';
      const response = await send({ method: 'POST', path, action: 'update', machineId, body, nonce: callOptions.nonce, retry, signal: callOptions.signal });
      return parseMachine(response.body, `POST ${path}`);
    },

    async startMachine(machineId, callOptions = {}) {
      const path = machinePath(machineId, '/start');
      const response = await send({
        method: 'POST',
        path,
        action: 'start',
        machineId,
        nonce: callOptions.nonce,
        retry: 'idempotent',
        // 412 while the machine is still stopping or being replaced passes within seconds (bfaas retries it too).
        retryStatuses: [412],
        retryNotFoundUntil: notFoundGraceUntil(machineId),
        signal: callOptions.signal,
      });
      return parseStartResult(response.body, `POST ${path}`);
    },

    async stopMachine(machineId, callOptions = {}) {
      // Always an object: a body that is not one is a 400 (`cannot unmarshal array into ... stopRequest`).
      const body = { signal: callOptions.stopSignal, timeout: callOptions.timeoutMs === undefined ? undefined : formatDuration(callOptions.timeoutMs) };
      await send({ method: 'POST', path: machinePath(machineId, '/stop'), action: 'stop', machineId, body, nonce: callOptions.nonce, retry: 'idempotent', signal: callOptions.signal });
    },

    waitForState: (machineId, waitOptions) =>
      waitForState({ send, getMachine: (id, getOptions) => client.getMachine(id, getOptions), notFoundGraceUntil, logger, maxAttempts }, machineId, waitOptions),

    async destroyMachine(machineId, callOptions = {}) {
      const query = new URLSearchParams(callOptions.force ? { force: 'true' } : {});
      await send({ method: 'DELETE', path: machinePath(machineId), action: 'destroy', machineId, query, nonce: callOptions.nonce, retry: 'idempotent', signal: callOptions.signal });
    },

    ...createLeaseCalls(send, machinePath),

    async listEvents(machineId, callOptions = {}) {
      const path = machinePath(machineId, '/events');
      const query = new URLSearchParams(callOptions.limit === undefined ? {} : { limit: String(callOptions.limit) });
      const response = await send({ method: 'GET', path, action: 'events', machineId, query, retry: 'idempotent', signal: callOptions.signal });
      return parseEvents(response.body, `GET ${path}`);
    },
  };
  return client;
}

function matches(machine: Machine, filter: { states?: readonly string[]; metadata?: Readonly<Record<string, string>> }): boolean {
  if (filter.states?.length && !filter.states.includes(machine.state)) return false;
  // Summary listings carry no config: the server's filter is all there is.
  const metadata = machine.config?.metadata;
  if (!filter.metadata || !machine.config) return true;
  return Object.entries(filter.metadata).every(([key, value]) => metadata?.[key] === value);
}
