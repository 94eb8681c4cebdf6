/**
 * The client against the emulator, over real HTTP, with every request body the client sends and every
 * response the emulator answers checked against Fly's own description of the Machines API (Swagger
 * 2.0, March 2024; `swagger-schemas.ts` lists where the newer API differs, field by field). It covers
 * every call ffly makes: create, get, list, update, start, stop, wait, destroy, events and the three
 * lease calls, with the worker config the pool really sends.
 */
import { describe, expect, test } from 'vitest';
import type { FlyClientOptions } from '../../src/fly/index.js';
import { buildWorkerConfig } from '../../src/pool/index.js';
import { clientFor, startEmulator } from './helpers.js';
import { documentedQuery, problems, REQUEST_SCHEMAS, RESPONSE_SCHEMAS, type Schema } from './swagger-schemas.js';

interface Exchange {
  method: string;
  /** The path from `/apps/...` on, ids replaced by the file's `{app_name}`/`{machine_id}`. */
  route: string;
  query: URLSearchParams;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

/** A fetch that records what went over the wire, both ways. */
function recordingFetch(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const response = await fetch(input, init);
    const text = await response.clone().text();
    const route = url.pathname
      .replace(/^\/v1/, '')
      .replace(/^\/apps\/[^/]+/, '/apps/{app_name}')
      .replace(/^(\/apps\/\{app_name\}\/machines)\/[^/]+/, '$1/{machine_id}');
    exchanges.push({
      method: init?.method ?? 'GET',
      route,
      query: url.searchParams,
      requestBody: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      status: response.status,
      responseBody: text === '' ? undefined : JSON.parse(text),
    });
    return response;
  };
}

const M = '/apps/{app_name}/machines';
const ID = `${M}/{machine_id}`;

/** What each operation ffly uses must send and may answer. */
const OPERATIONS: Record<string, { request?: Schema; response: Schema }> = {
  [`GET ${M}`]: { response: RESPONSE_SCHEMAS.machines },
  [`POST ${M}`]: { request: REQUEST_SCHEMAS.create, response: RESPONSE_SCHEMAS.machine },
  [`GET ${ID}`]: { response: RESPONSE_SCHEMAS.machine },
  [`POST ${ID}`]: { request: REQUEST_SCHEMAS.update, response: RESPONSE_SCHEMAS.machine },
  [`DELETE ${ID}`]: { response: RESPONSE_SCHEMAS.ok },
  [`POST ${ID}/start`]: { response: RESPONSE_SCHEMAS.start },
  [`POST ${ID}/stop`]: { request: REQUEST_SCHEMAS.stop, response: RESPONSE_SCHEMAS.ok },
  [`GET ${ID}/wait`]: { response: RESPONSE_SCHEMAS.wait },
  [`GET ${ID}/events`]: { response: RESPONSE_SCHEMAS.events },
  [`POST ${ID}/lease`]: { request: REQUEST_SCHEMAS.lease, response: RESPONSE_SCHEMAS.lease },
  [`GET ${ID}/lease`]: { response: RESPONSE_SCHEMAS.lease },
  [`DELETE ${ID}/lease`]: { response: RESPONSE_SCHEMAS.leaseReleased },
};

/**
 * Query parameters the newer API reads that the March 2024 file does not list (fly-machines-api.md):
 * list filters `state`, `metadata.<key>` and `summary` (SPEC26), wait's `version` (the new name of
 * `instance_id`) and `from_event_id`, and events' `limit` (default 20, at most 50; SPEC26).
 */
const NEWER_QUERY: Record<string, RegExp> = {
  [`GET ${M}`]: /^(state|summary|metadata\..+)$/,
  [`GET ${ID}/wait`]: /^(version|from_event_id)$/,
  [`GET ${ID}/events`]: /^limit$/,
};

/** Every problem with one exchange, named by its operation; empty when it conforms. */
function conformance(exchange: Exchange): string[] {
  const operation = `${exchange.method} ${exchange.route}`;
  const expected = OPERATIONS[operation];
  if (!expected) return [`${operation}: not an operation this test knows; add it with its schemas`];
  const found: string[] = [];
  if (expected.request) found.push(...problems(expected.request, exchange.requestBody ?? {}).map((line) => `${operation} request ${line}`));
  else if (exchange.requestBody !== undefined) found.push(`${operation}: sends a body the API does not take`);
  const documented = documentedQuery(exchange.route, exchange.method.toLowerCase());
  for (const name of exchange.query.keys()) {
    if (!documented.includes(name) && !NEWER_QUERY[operation]?.test(name)) found.push(`${operation}: query parameter "${name}" is not in the API`);
  }
  const schema = exchange.status < 300 ? expected.response : exchange.route.endsWith('/lease') ? null : RESPONSE_SCHEMAS.error;
  if (schema) found.push(...problems(schema, exchange.responseBody).map((line) => `${operation} ${exchange.status} response ${line}`));
  return found;
}

describe("the client and the emulator against Fly's Machines API description", () => {
  test('every request the client sends and every answer the emulator gives conforms', async () => {
    const emulator = await startEmulator();
    const exchanges: Exchange[] = [];
    const client = clientFor(emulator, { fetch: recordingFetch(exchanges) } satisfies Partial<FlyClientOptions>);
    const { config } = buildWorkerConfig({
      image: 'registry.fly.io/ffly-worker:test',
      guest: { cpuKind: 'shared', cpus: 1, memoryMb: 1024 },
      rootfsGb: 12,
      apiUrl: 'http://127.0.0.1:1',
      credential: 'credential',
      idleMs: 60_000,
    });

    const created = await client.createMachine({ config, region: 'local', leaseTtlSeconds: 60 });
    await client.waitForState(created.id, { states: 'started', timeoutMs: 10_000 });
    await client.listMachines({ states: ['started'], metadata: config.metadata, region: 'local' });
    await client.listMachines({ summary: true, includeDeleted: true });
    // The create took a lease (lease_ttl); this refreshes it, as the pool does.
    const lease = await client.acquireLease(created.id, { ttlSeconds: 30, description: 'conformance', nonce: created.nonce });
    await client.getLease(created.id);
    await client.stopMachine(created.id, { nonce: lease.nonce, stopSignal: 'SIGTERM', timeoutMs: 5_000 });
    const stopped = await client.waitForState(created.id, { states: 'stopped', version: created.instance_id, timeoutMs: 10_000 });
    const updated = await client.updateMachine(created.id, { config: { ...config, env: { ...config.env, WORKER_IDLE_MS: '1000' } }, skipLaunch: true, currentVersion: stopped.version ?? created.instance_id }, { nonce: lease.nonce });
    await client.waitForState(created.id, { states: 'stopped', version: updated.instance_id, timeoutMs: 10_000 });
    await client.startMachine(created.id, { nonce: lease.nonce });
    await client.getMachine(created.id);
    await client.listEvents(created.id, { limit: 20 });
    await client.releaseLease(created.id, lease.nonce);
    await client.destroyMachine(created.id, { force: true });
    await client.waitForState(created.id, { states: 'destroyed', timeoutMs: 10_000 });
    // And an error answer, in the API's error shape.
    await expect(client.getMachine('0123456789abcd')).rejects.toThrow();

    const operations = new Set(exchanges.map((exchange) => `${exchange.method} ${exchange.route}`));
    expect([...operations].sort()).toEqual(Object.keys(OPERATIONS).sort());
    expect(exchanges.flatMap(conformance)).toEqual([]);
  });

  test('the check fails on a shape only ffly would understand', () => {
    const machine = { id: '3d8d413b29d089', state: 'started', config: { image: 'x', guest: { cpus: 1, cpu_kind: 'shared', memory_mb: 256 } } };
    expect(problems(RESPONSE_SCHEMAS.machine, machine)).toEqual([]);
    expect(problems(RESPONSE_SCHEMAS.machine, { ...machine, pool_state: 'idle' })).not.toEqual([]);
    expect(problems(RESPONSE_SCHEMAS.machine, { ...machine, config: { ...machine.config, guest: { cpus: '1' } } })).not.toEqual([]);
    expect(problems(REQUEST_SCHEMAS.stop, { signal: 'SIGTERM', timeout: { 'time.Duration': 5_000_000_000 } })).not.toEqual([]);
    expect(problems(RESPONSE_SCHEMAS.lease, { nonce: 'abc', expires_at: 1 })).not.toEqual([]);
  });
});


