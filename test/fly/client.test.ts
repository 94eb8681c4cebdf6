import { describe, expect, test } from 'vitest';
import { FlyApiError, isLeaseConflict, LAUNCH_ID_METADATA_KEY, latestExit } from '../../src/fly/index.js';
import { APP, clientFor, startEmulator, workerConfig } from './helpers.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('the Fly client against the emulator', () => {
  test('createMachine answers "created", stamps a launch id, and the machine then boots', async () => {
    const client = clientFor(await startEmulator());

    const machine = await client.createMachine({ config: workerConfig(), region: 'iad' });

    expect(machine).toMatchObject({ state: 'created', region: 'iad' });
    expect(machine.id).toMatch(/^[0-9a-f]{14}$/);
    expect(machine.instance_id).toMatch(ULID);
    expect(machine.config?.metadata?.[LAUNCH_ID_METADATA_KEY]).toMatch(ULID);
    expect(machine.events.map((event) => `${event.type}/${event.status}/${event.source}`)).toEqual(['launch/created/user', 'launch/pending/flyd']);
    await expect(client.waitForState(machine.id, { states: 'started', timeoutMs: 5_000 })).resolves.toMatchObject({ ok: true, state: 'started' });
  });

  test('listMachines keeps only machines in the given states that carry every given metadata pair', async () => {
    const client = clientFor(await startEmulator());
    const wanted = await client.createMachine({ config: workerConfig({}, { metadata: { pool: 'transcode', tier: 'a' } }), skipLaunch: true });
    await client.createMachine({ config: workerConfig({}, { metadata: { pool: 'transcode', tier: 'b' } }), skipLaunch: true });
    await client.createMachine({ config: workerConfig({}, { metadata: { pool: 'transcode', tier: 'a' } }) });

    const listed = await client.listMachines({ states: ['created'], metadata: { pool: 'transcode', tier: 'a' } });

    expect(listed.map((machine) => machine.id)).toEqual([wanted.id]);
  });

  test('getMachine returns the config as sent, with the defaults the server adds', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig({ JOB: '1' }), skipLaunch: true });

    const machine = await client.getMachine(created.id);

    expect(machine.config).toMatchObject({ image: 'registry.fly.io/ffly-worker:test', env: { JOB: '1' }, restart: { policy: 'no' }, init: {}, guest: { cpu_kind: 'shared', cpus: 1, memory_mb: 256 } });
    expect(machine.image_ref).toMatchObject({ registry: 'registry.fly.io', repository: 'ffly-worker', tag: 'test' });
  });

  test('updateMachine gives a stopped machine a new version and leaves it stopped', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig({ EXIT_AFTER_MS: '0' }) });
    await client.waitForState(created.id, { states: 'stopped', version: created.instance_id, timeoutMs: 5_000 });

    const updated = await client.updateMachine(created.id, { config: workerConfig({ JOB: '2' }), skipLaunch: true });

    expect(updated.instance_id).not.toBe(created.instance_id);
    expect(updated.state).toBe('replacing');
    await client.waitForState(created.id, { states: 'stopped', version: updated.instance_id, timeoutMs: 5_000 });
    expect(await client.getMachine(created.id)).toMatchObject({ state: 'stopped', config: { env: { JOB: '2' } } });
  });

  test('startMachine boots a stopped machine and reports the state it left', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig({ EXIT_AFTER_MS: '0' }) });
    await client.waitForState(created.id, { states: 'stopped', timeoutMs: 5_000 });

    const result = await client.startMachine(created.id);

    expect(result).toEqual({ previous_state: 'stopped', migrated: false, new_host: '' });
    await expect(client.waitForState(created.id, { states: 'started', timeoutMs: 5_000 })).resolves.toMatchObject({ state: 'started' });
  });

  test('stopMachine stops a started machine, and waitForState sees it stopped', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig() });
    await client.waitForState(created.id, { states: 'started', timeoutMs: 5_000 });

    await client.stopMachine(created.id, { stopSignal: 'SIGTERM', timeoutMs: 1_000 });

    await expect(client.waitForState(created.id, { states: 'stopped', timeoutMs: 5_000 })).resolves.toMatchObject({ state: 'stopped' });
  });

  test('destroyMachine with force destroys a started machine', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig() });
    await client.waitForState(created.id, { states: 'started', timeoutMs: 5_000 });

    await client.destroyMachine(created.id, { force: true });

    await expect(client.waitForState(created.id, { states: 'destroyed', timeoutMs: 5_000 })).resolves.toMatchObject({ ok: true });
    expect(await client.listMachines()).toEqual([]);
  });

  test('a lease refreshes under its nonce, guards start until released, and is gone after release', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig(), skipLaunch: true });

    const lease = await client.acquireLease(created.id, { ttlSeconds: 60, description: 'job 1' });
    const refreshed = await client.acquireLease(created.id, { ttlSeconds: 120, nonce: lease.nonce });
    const unguarded = client.startMachine(created.id);

    expect(lease).toMatchObject({ nonce: expect.stringMatching(/^[0-9a-f]{12}$/), description: 'job 1', version: created.instance_id });
    expect(refreshed.nonce).toBe(lease.nonce);
    expect(refreshed.expires_at).toBeGreaterThan(lease.expires_at);
    await expect(unguarded).rejects.toSatisfy(isLeaseConflict);
    await expect(client.startMachine(created.id, { nonce: lease.nonce })).resolves.toMatchObject({ previous_state: 'created' });
    await client.releaseLease(created.id, lease.nonce);
    expect(await client.getLease(created.id)).toBeUndefined();
  });

  test('createMachine with a lease TTL comes back holding the lease, whose nonce then guards the machine', async () => {
    const client = clientFor(await startEmulator());

    const machine = await client.createMachine({ config: workerConfig(), skipLaunch: true, leaseTtlSeconds: 60 });

    expect(machine.nonce).toMatch(/^[0-9a-f]{12}$/);
    await expect(client.getLease(machine.id)).resolves.toMatchObject({ nonce: machine.nonce });
    await expect(client.startMachine(machine.id)).rejects.toSatisfy(isLeaseConflict);
    await expect(client.startMachine(machine.id, { nonce: machine.nonce })).resolves.toMatchObject({ previous_state: 'created' });
  });

  test('acquiring a lease someone else holds fails with a 409 lease conflict', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig(), skipLaunch: true });
    await client.acquireLease(created.id, { ttlSeconds: 60 });

    const second = client.acquireLease(created.id, { ttlSeconds: 60 });

    await expect(second).rejects.toBeInstanceOf(FlyApiError);
    await expect(second).rejects.toMatchObject({ status: 409, errorText: expect.stringContaining('lease currently held by') });
    await expect(second).rejects.toSatisfy(isLeaseConflict);
  });

  test('listEvents returns events newest first, and latestExit reads the exit code', async () => {
    const client = clientFor(await startEmulator());
    const created = await client.createMachine({ config: workerConfig({ EXIT_AFTER_MS: '0', EXIT_CODE: '3' }) });
    await client.waitForState(created.id, { states: 'stopped', timeoutMs: 5_000 });

    const events = await client.listEvents(created.id, { limit: 2 });

    expect(events.map((event) => `${event.type}/${event.status}`)).toEqual(['exit/stopped', 'start/started']);
    expect(latestExit(events)).toMatchObject({ exit_code: 3, requested_stop: false, restarting: false });
  });

  test('a plain token is sent as Bearer and a FlyV1 token as it is', async () => {
    const emulator = await startEmulator();
    const sent: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization') ?? '');
      return fetch(input, init);
    };

    // Neither is the emulator's token (it answers 401): only the header sent matters here.
    await clientFor(emulator, { token: 'plain', fetch: recordingFetch, maxAttempts: 1 }).listMachines().catch(() => {});
    await clientFor(emulator, { token: 'FlyV1 fm2_abc,fm2_def', fetch: recordingFetch, maxAttempts: 1 }).listMachines().catch(() => {});

    expect(sent).toEqual(['Bearer plain', 'FlyV1 fm2_abc,fm2_def']);
  });

  test('the emulator answers 401 to a request without a token', async () => {
    const emulator = await startEmulator();

    const response = await fetch(`${emulator.url}/v1/apps/${APP}/machines`);

    expect(response.status).toBe(401);
    expect(response.headers.get('fly-request-id')).toMatch(/^[0-9A-Z]{26}-local$/);
    expect(await response.json()).toEqual({ error: 'Authenticate: token validation error' });
  });
});
