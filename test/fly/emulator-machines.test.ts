import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { latestExit } from '../../src/fly/index.js';
import { APP, clientFor, eventually, isProcessAlive, readReports, startEmulator, temporaryDirectory, workerConfig } from './helpers.js';

/** An emulator, a client, and the file the machine processes report to. */
async function setUp(options: Parameters<typeof startEmulator>[0] = {}) {
  const directory = temporaryDirectory();
  const dataDir = join(directory, 'emulator');
  const emulator = await startEmulator({ dataDir, region: 'ams', ...options });
  return { emulator, client: clientFor(emulator), dataDir, reportFile: join(directory, 'reports.jsonl') };
}

describe('emulated machines as local processes', () => {
  test('a machine process gets config.env and the Fly variables, in a fresh directory on every start', async () => {
    const { client, dataDir, reportFile } = await setUp();
    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, JOB_ID: '42', EXIT_AFTER_MS: '0' }) });
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    await client.startMachine(machine.id);
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    const starts = readReports(reportFile).filter((report) => report.type === 'start');
    expect(starts).toHaveLength(2);
    for (const start of starts) {
      expect(start.cwd?.startsWith(dataDir)).toBe(true);
      expect(start.cwdEntries).toEqual([]);
      expect(start.env).toMatchObject({
        JOB_ID: '42',
        FLY_MACHINE_ID: machine.id,
        FLY_APP_NAME: APP,
        FLY_REGION: 'ams',
        FLY_IMAGE_REF: 'registry.fly.io/ffly-worker:test',
        FLY_MACHINE_VERSION: machine.instance_id,
      });
      expect(start.env).not.toHaveProperty('VITEST');
    }
  });

  test('config.files are written into the fresh directory before the process starts', async () => {
    const { client, reportFile } = await setUp();
    const files = [{ guest_path: '/etc/job.json', raw_value: Buffer.from('{"id":1}').toString('base64') }];

    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, EXIT_AFTER_MS: '0' }, { files }) });
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    expect(readReports(reportFile)[0]?.cwdEntries).toEqual(['etc']);
  });

  test('stop sends the stop signal to the process group, then SIGKILL once the kill timeout has passed', async () => {
    const { client, reportFile } = await setUp();
    const env = { REPORT_FILE: reportFile, ON_STOP_SIGNAL: 'ignore', SPAWN_GRANDCHILD: '1' };
    const machine = await client.createMachine({ config: workerConfig(env, { stop_config: { signal: 'SIGTERM', timeout: '300ms' } }) });
    const [start] = await eventually(() => {
      const reports = readReports(reportFile);
      expect(reports).toHaveLength(1);
      return reports;
    });
    const stopAsked = Date.now();

    await client.stopMachine(machine.id);
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    expect(Date.now() - stopAsked).toBeGreaterThanOrEqual(300);
    expect(readReports(reportFile).filter((report) => report.type === 'signal').map((report) => report.signal)).toEqual(['SIGTERM']);
    expect(latestExit(await client.listEvents(machine.id))).toMatchObject({ requested_stop: true, signal: 9, exit_code: 137 });
    await eventually(() => expect(isProcessAlive(start?.grandchildPid ?? 0)).toBe(false));
  });

  test('without a stop_config, stop sends SIGINT', async () => {
    const { client, reportFile } = await setUp();
    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile }) });
    await eventually(() => expect(readReports(reportFile)).toHaveLength(1));

    await client.stopMachine(machine.id);
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    expect(readReports(reportFile).at(-1)).toMatchObject({ type: 'signal', signal: 'SIGINT' });
  });

  test('a machine with auto_destroy is destroyed when its process exits', async () => {
    const { client } = await setUp();

    const machine = await client.createMachine({ config: workerConfig({ EXIT_AFTER_MS: '0' }, { auto_destroy: true }) });

    await client.waitForState(machine.id, { states: 'destroyed', timeoutMs: 5_000 });
    expect(await client.getMachine(machine.id)).toMatchObject({ state: 'destroyed' });
  });

  test('on-failure restarts a failing process up to max_retries, then leaves the machine stopped', async () => {
    const { client, reportFile } = await setUp();
    const env = { REPORT_FILE: reportFile, EXIT_AFTER_MS: '0', EXIT_CODE: '1' };

    const machine = await client.createMachine({ config: workerConfig(env, { restart: { policy: 'on-failure', max_retries: 2 } }) });
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    expect(readReports(reportFile)).toHaveLength(3);
    expect(latestExit(await client.listEvents(machine.id))).toMatchObject({ exit_code: 1, restarting: false, restart_count: 2 });
  });

  test('policy "always" restarts a process even when it exits cleanly', async () => {
    const { client, reportFile } = await setUp();

    await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, EXIT_AFTER_MS: '20' }, { restart: { policy: 'always' } }) });

    await eventually(() => expect(readReports(reportFile).length).toBeGreaterThanOrEqual(3));
  });

  test('policy "no" leaves a crashed machine stopped', async () => {
    const { client, reportFile } = await setUp();

    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, EXIT_AFTER_MS: '0', EXIT_CODE: '2' }) });
    await client.waitForState(machine.id, { states: 'stopped', timeoutMs: 5_000 });

    expect(readReports(reportFile)).toHaveLength(1);
    expect(latestExit(await client.listEvents(machine.id))).toMatchObject({ exit_code: 2, restarting: false });
  });

  test('a process killed behind the API is a crash, which on-failure restarts', async () => {
    const { emulator, client, reportFile } = await setUp();
    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile }, { restart: { policy: 'on-failure' } }) });
    await eventually(() => expect(readReports(reportFile)).toHaveLength(1));

    expect(emulator.killMachineProcess(machine.id)).toBe(true);

    await eventually(() => expect(readReports(reportFile)).toHaveLength(2));
    expect(latestExit(await client.listEvents(machine.id))).toMatchObject({ signal: 9, requested_stop: false, restarting: true, restart_count: 1 });
  });

  test('a machine whose command cannot be run ends failed', async () => {
    const { client } = await setUp({ machineCommand: { command: '/nonexistent/worker', args: [] } });

    const machine = await client.createMachine({ config: workerConfig() });

    await expect(client.waitForState(machine.id, { states: 'failed', timeoutMs: 5_000 })).resolves.toMatchObject({ state: 'failed' });
  });

  test('updating a started machine replaces its process with one running the new config', async () => {
    const { client, reportFile } = await setUp();
    const machine = await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, JOB_ID: '1' }) });
    await eventually(() => expect(readReports(reportFile)).toHaveLength(1));

    const updated = await client.updateMachine(machine.id, { config: workerConfig({ REPORT_FILE: reportFile, JOB_ID: '2' }), skipLaunch: false });
    await client.waitForState(machine.id, { states: 'started', version: updated.instance_id, timeoutMs: 5_000 });

    const starts = await eventually(() => {
      const reports = readReports(reportFile).filter((report) => report.type === 'start');
      expect(reports).toHaveLength(2);
      return reports;
    });
    expect(starts[1]?.env).toMatchObject({ JOB_ID: '2', FLY_MACHINE_VERSION: updated.instance_id });
    expect(isProcessAlive(starts[0]?.pid ?? 0)).toBe(false);
  });
});
