import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../src/fly/index.js';
import { handleLostMachine } from '../../src/pool/dead-machine.js';
import { PoolView } from '../../src/pool/index.js';
import { silentLogger } from '../../src/logger.js';
import { clientFor, eventually, readReports, startEmulator, temporaryDirectory, workerConfig } from '../fly/helpers.js';

/** An emulator whose machines run the fixture process, and a check wired to it. */
async function setUp() {
  const emulator = await startEmulator();
  const client = clientFor(emulator);
  const reportFile = join(temporaryDirectory(), 'reports.jsonl');
  const check = (machineId: string) => handleLostMachine({ client, logger: silentLogger(), view: new PoolView(), leaseMs: 1_000 }, machineId, new AbortController().signal);
  const create = async (env: Record<string, string>, overrides: Partial<MachineConfig> = {}) => {
    const config = workerConfig({ REPORT_FILE: reportFile, ...env }, { metadata: { ffly_pool: 'transcoder' }, stop_config: { signal: 'SIGTERM', timeout: '1s' }, ...overrides });
    const machine = await client.createMachine({ config });
    await eventually(() => expect(readReports(reportFile).filter((report) => report.type === 'start').length).toBeGreaterThan(0));
    return machine.id;
  };
  return { emulator, client, check, create };
}

describe('the machine of a lost job', () => {
  it('is stopped when its worker still runs but went quiet', async () => {
    const { client, check, create } = await setUp();
    const machineId = await create({});

    expect(await check(machineId)).toBe('stopped');
    await client.waitForState(machineId, { states: 'stopped', timeoutMs: 5_000 });
  });

  it('is destroyed when its worker was killed', async () => {
    const { emulator, client, check, create } = await setUp();
    const machineId = await create({});
    emulator.killMachineProcess(machineId, 'SIGKILL');
    await client.waitForState(machineId, { states: 'stopped', timeoutMs: 5_000 });

    expect(await check(machineId)).toBe('destroyed');
    await client.waitForState(machineId, { states: 'destroyed', timeoutMs: 5_000 });
  });

  it('is kept when its worker exited cleanly', async () => {
    const { client, check, create } = await setUp();
    const machineId = await create({ EXIT_AFTER_MS: '0' });
    await client.waitForState(machineId, { states: 'stopped', timeoutMs: 5_000 });

    expect(await check(machineId)).toBe('healthy');
    expect((await client.getMachine(machineId)).state).toBe('stopped');
  });

  it('is left alone when it is not one of the pool\'s', async () => {
    const { check, create } = await setUp();
    expect(await check(await create({}, { metadata: {} }))).toBe('not-in-pool');
    expect(await check('0123456789abcd')).toBe('gone');
  });
});
