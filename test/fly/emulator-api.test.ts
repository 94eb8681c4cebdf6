import { describe, expect, test } from 'vitest';
import type { FlyEmulator } from '../../emulator/src/index.js';
import { APP, clientFor, eventually, startEmulator, workerConfig } from './helpers.js';

/** A raw call to the emulator, for the statuses and bodies the client would turn into errors. */
async function call(emulator: FlyEmulator, method: string, path: string, options: { body?: unknown; nonce?: string } = {}) {
  const headers: Record<string, string> = { authorization: 'Bearer test-token' };
  if (options.nonce) headers['fly-machine-lease-nonce'] = options.nonce;
  const response = await fetch(`${emulator.url}/v1/apps/${APP}/machines${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An emulator and one machine that was never launched. */
async function withMachine(options: Parameters<typeof startEmulator>[0] = {}) {
  const emulator = await startEmulator(options);
  const client = clientFor(emulator);
  const machine = await client.createMachine({ config: workerConfig(), skipLaunch: true });
  return { emulator, client, machine };
}

describe('the emulated Machines API', () => {
  test('a new machine is missing from get and list during the not-found window, then appears', async () => {
    const emulator = await startEmulator({ notFoundWindowMs: 150 });
    const created = await call(emulator, 'POST', '', { body: { config: workerConfig(), skip_launch: true } });

    const early = await call(emulator, 'GET', `/${String(created.body.id)}`);
    const earlyList = await call(emulator, 'GET', '');

    expect(early).toEqual({ status: 404, body: { error: 'machine not found' } });
    expect(earlyList.body).toEqual([]);
    await eventually(async () => expect((await call(emulator, 'GET', `/${String(created.body.id)}`)).status).toBe(200));
  });

  test('wait refuses a timeout outside 1 to 60 seconds', async () => {
    const { emulator, machine } = await withMachine();

    const response = await call(emulator, 'GET', `/${machine.id}/wait?state=started&timeout=61`);

    expect(response).toEqual({ status: 400, body: { error: 'invalid_argument: invalid WaitMachineRequest.Timeout: value must be inside range [1s, 1m0s]' } });
  });

  test('wait for stopped without a version is refused, as older servers do', async () => {
    const { emulator, machine } = await withMachine();

    const response = await call(emulator, 'GET', `/${machine.id}/wait?state=stopped`);

    expect(response).toEqual({ status: 400, body: { error: 'instance_id required when waiting for stopped machine' } });
  });

  test('wait answers 408 with the state the machine is in when the time runs out', async () => {
    const { emulator, machine } = await withMachine();

    const response = await call(emulator, 'GET', `/${machine.id}/wait?state=started&timeout=1`);

    expect(response).toEqual({ status: 408, body: { error: 'deadline_exceeded: machine failed to reach desired state, started, currently created' } });
  });

  test('wait on a version an update has replaced says "currently replaced"', async () => {
    const { emulator, client, machine } = await withMachine();
    await client.updateMachine(machine.id, { config: workerConfig({ JOB: '2' }), skipLaunch: true });

    const response = await call(emulator, 'GET', `/${machine.id}/wait?state=started&version=${machine.instance_id}`);

    expect(response.status).toBe(408);
    expect(response.body.error).toContain('currently replaced');
  });

  test('wait with from_event_id only counts transitions after that event', async () => {
    const { emulator, client, machine } = await withMachine();
    await client.startMachine(machine.id);
    const started = await client.waitForState(machine.id, { states: 'started', timeoutMs: 5_000 });

    const again = await call(emulator, 'GET', `/${machine.id}/wait?state=started&timeout=1&from_event_id=${started.event_id}`);

    expect(again.status).toBe(408);
  });

  test('a second update while the first is replacing is refused with 409', async () => {
    const { emulator, machine } = await withMachine({ replaceDelayMs: 500 });
    await call(emulator, 'POST', `/${machine.id}`, { body: { config: workerConfig({ JOB: '2' }), skip_launch: true } });

    const second = await call(emulator, 'POST', `/${machine.id}`, { body: { config: workerConfig({ JOB: '3' }), skip_launch: true } });

    expect(second).toEqual({ status: 409, body: { error: 'aborted: machine is replacing: concurrent update in progress' } });
  });

  test('starting a machine that is being replaced is refused with 412', async () => {
    const { emulator, machine } = await withMachine({ replaceDelayMs: 500 });
    await call(emulator, 'POST', `/${machine.id}`, { body: { config: workerConfig({ JOB: '2' }), skip_launch: true } });

    const start = await call(emulator, 'POST', `/${machine.id}/start`);

    expect(start).toEqual({ status: 412, body: { error: 'failed_precondition: machine getting replaced, refusing to start' } });
  });

  test('a guarded call without the lease nonce is refused with 409 naming the holder', async () => {
    const { emulator, client, machine } = await withMachine();
    await client.acquireLease(machine.id, { ttlSeconds: 60 });

    const stop = await call(emulator, 'POST', `/${machine.id}/stop`);

    expect(stop.status).toBe(409);
    expect(stop.body.error).toMatch(new RegExp(`^aborted: machine ID ${machine.id} lease currently held by \\S+@tokens.fly.io, expires at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
  });

  test('a lease expires after its TTL, freeing the machine for another caller', async () => {
    const { client, machine } = await withMachine();
    const first = await client.acquireLease(machine.id, { ttlSeconds: 1 });

    const second = await eventually(() => client.acquireLease(machine.id, { ttlSeconds: 60 }), 3_000);

    expect(second.nonce).not.toBe(first.nonce);
  });

  test('destroying a started machine without force is refused with 412', async () => {
    const { emulator, client, machine } = await withMachine();
    await client.startMachine(machine.id);
    await client.waitForState(machine.id, { states: 'started', timeoutMs: 5_000 });

    const response = await call(emulator, 'DELETE', `/${machine.id}`);

    expect(response.status).toBe(412);
    expect(response.body.error).toMatch(/^failed_precondition: unable to destroy machine/);
  });

  test('a destroyed machine reads as destroyed for the retention window, then 404', async () => {
    const { emulator, machine } = await withMachine({ destroyedRetentionMs: 200 });
    await call(emulator, 'DELETE', `/${machine.id}`);

    await eventually(async () => expect((await call(emulator, 'GET', `/${machine.id}`)).body.state).toBe('destroyed'));
    await eventually(async () => expect((await call(emulator, 'GET', `/${machine.id}`)).status).toBe(404));
    expect((await call(emulator, 'GET', '?include_deleted=true')).body).toMatchObject([{ id: machine.id, state: 'destroyed' }]);
  });

  test('a stop body that is not a JSON object is a 400, as Go decoding it would be', async () => {
    const { emulator, machine } = await withMachine();

    const response = await call(emulator, 'POST', `/${machine.id}/stop`, { body: [] });

    expect(response).toEqual({ status: 400, body: { error: 'json: cannot unmarshal array into Go value of type main.stopRequest' } });
  });

  test('calls beyond the rate limit of an action get 429', async () => {
    const emulator = await startEmulator({ rateLimits: { default: { perSecond: 1, burst: 2 }, get: { perSecond: 5, burst: 10 } } });

    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push((await call(emulator, 'GET', '')).status);

    expect(statuses).toEqual([200, 200, 429]);
  });

  test('with a fail rate of 1, every call is answered 502 or 503 before anything happens', async () => {
    const emulator = await startEmulator({ failRate: 1 });

    const response = await call(emulator, 'POST', '', { body: { config: workerConfig() } });

    expect([502, 503]).toContain(response.status);
    expect(response.body).toEqual({ error: 'unavailable: emulated failure' });
  });

  test('a config the API would refuse gets 400', async () => {
    const emulator = await startEmulator();

    const response = await call(emulator, 'POST', '', { body: { config: { image: 'x', guest: { cpu_kind: 'performance', cpus: 1, memory_mb: 1024 } } } });

    expect(response).toEqual({ status: 400, body: { error: 'invalid_argument: invalid config.guest.memory_mb, minimum required 2048 MiB' } });
  });

  test('config.rootfs.size_gb is accepted and kept, and a size that is not a whole number of GB gets 400', async () => {
    const emulator = await startEmulator();
    const client = clientFor(emulator);

    const machine = await client.createMachine({ config: workerConfig({}, { rootfs: { size_gb: 42 } }), skipLaunch: true });
    const refused = await call(emulator, 'POST', '', { body: { config: { image: 'x', rootfs: { size_gb: 'big' } } } });

    expect(machine.config?.rootfs).toEqual({ size_gb: 42 });
    expect((await client.getMachine(machine.id)).config?.rootfs).toEqual({ size_gb: 42 });
    expect(refused).toEqual({ status: 400, body: { error: 'invalid_argument: invalid config.rootfs.size_gb "big"' } });
  });

  test('a create naming an image the registry no longer has is refused, and creates nothing', async () => {
    const emulator = await startEmulator({ missingImages: ['registry.fly.io/ffly-worker:pruned'] });
    emulator.markImageMissing('registry.fly.io/ffly-worker:gone-later');

    const pruned = await call(emulator, 'POST', '', { body: { config: { image: 'registry.fly.io/ffly-worker:pruned' } } });
    const later = await call(emulator, 'POST', '', { body: { config: { image: 'registry.fly.io/ffly-worker:gone-later' } } });

    expect(pruned.status).toBe(422);
    expect(pruned.body.error).toMatch(/registry\.fly\.io\/ffly-worker:pruned.*manifest unknown/);
    expect(later.status).toBe(422);
    expect((await call(emulator, 'GET', '')).body).toEqual([]);
  });
});
