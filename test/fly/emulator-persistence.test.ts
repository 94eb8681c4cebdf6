import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { latestExit } from '../../src/fly/index.js';
import { clientFor, eventually, isProcessAlive, readReports, startEmulator, temporaryDirectory, workerConfig } from './helpers.js';

describe('the emulator across restarts and shutdowns', () => {
  test('a restarted emulator still lists its machines, the started ones now stopped and startable', async () => {
    const dataDir = join(temporaryDirectory(), 'emulator');
    const first = await startEmulator({ dataDir });
    const firstClient = clientFor(first);
    const running = await firstClient.createMachine({ config: workerConfig({}, { metadata: { pool: 'transcode' } }) });
    const idle = await firstClient.createMachine({ config: workerConfig({ EXIT_AFTER_MS: '0' }, { metadata: { pool: 'transcode' } }) });
    await firstClient.waitForState(running.id, { states: 'started', timeoutMs: 5_000 });
    await firstClient.waitForState(idle.id, { states: 'stopped', timeoutMs: 5_000 });
    await first.close();

    const second = clientFor(await startEmulator({ dataDir }));
    const listed = await second.listMachines({ metadata: { pool: 'transcode' } });

    expect(listed.map((machine) => [machine.id, machine.state]).sort()).toEqual([[idle.id, 'stopped'], [running.id, 'stopped']].sort());
    await second.startMachine(running.id);
    await expect(second.waitForState(running.id, { states: 'started', timeoutMs: 5_000 })).resolves.toMatchObject({ state: 'started' });
  });

  test('machines an emulator left running when it died come back stopped, with an exit saying why', async () => {
    const directory = temporaryDirectory();
    const dying = await startEmulator({ dataDir: join(directory, 'dying') });
    const machine = await clientFor(dying).createMachine({ config: workerConfig() });
    await clientFor(dying).waitForState(machine.id, { states: 'started', timeoutMs: 5_000 });
    // A copy of its state while the machine ran: what a crash would have left behind.
    const state = await eventually(() => {
      const written = readFileSync(join(directory, 'dying', 'state.json'), 'utf8');
      expect(written).toContain('"state":"started"');
      return written;
    });
    mkdirSync(join(directory, 'revived'));
    writeFileSync(join(directory, 'revived', 'state.json'), state);
    // Its process died too (with the host, say).
    const pid = dying.machineProcessId(machine.id)!;
    dying.killMachineProcess(machine.id);
    await eventually(() => expect(isProcessAlive(pid)).toBe(false));

    const revived = clientFor(await startEmulator({ dataDir: join(directory, 'revived') }));

    const found = await revived.getMachine(machine.id);
    expect(found.state).toBe('stopped');
    expect(latestExit(found.events)).toMatchObject({ requested_stop: false, error: 'emulator restarted' });
  });

  test('a machine whose process outlived the emulator stays started, and a destroy ends its process group', async () => {
    const directory = temporaryDirectory();
    const dying = await startEmulator({ dataDir: join(directory, 'dying') });
    const machine = await clientFor(dying).createMachine({ config: workerConfig() });
    await clientFor(dying).waitForState(machine.id, { states: 'started', timeoutMs: 5_000 });
    const state = await eventually(() => {
      const written = readFileSync(join(directory, 'dying', 'state.json'), 'utf8');
      expect(written).toContain('"state":"started"');
      expect(written).toContain('"pid":');
      return written;
    });
    mkdirSync(join(directory, 'revived'));
    writeFileSync(join(directory, 'revived', 'state.json'), state);
    const pid = dying.machineProcessId(machine.id)!;

    // As after a SIGKILL of the API that ran the emulator: the machine's process still runs.
    const revivedEmulator = await startEmulator({ dataDir: join(directory, 'revived') });
    const revived = clientFor(revivedEmulator);
    expect((await revived.getMachine(machine.id)).state).toBe('started');
    expect(revivedEmulator.machineProcessId(machine.id)).toBe(pid);

    await revived.destroyMachine(machine.id, { force: true });
    await revived.waitForState(machine.id, { states: 'destroyed', timeoutMs: 5_000 });
    expect(isProcessAlive(pid)).toBe(false);
  });

  test('close() leaves no machine process behind, grandchildren that ignore signals included', async () => {
    const directory = temporaryDirectory();
    const reportFile = join(directory, 'reports.jsonl');
    const emulator = await startEmulator({ dataDir: join(directory, 'emulator'), shutdownGraceMs: 200 });
    const client = clientFor(emulator);
    await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile, SPAWN_GRANDCHILD: '1', ON_STOP_SIGNAL: 'ignore' }) });
    await client.createMachine({ config: workerConfig({ REPORT_FILE: reportFile }) });
    const starts = await eventually(() => {
      const reports = readReports(reportFile);
      expect(reports).toHaveLength(2);
      return reports;
    });

    await emulator.close();

    const pids = starts.flatMap((start) => [start.pid, ...(start.grandchildPid ? [start.grandchildPid] : [])]);
    expect(pids).toHaveLength(3);
    await eventually(() => expect(pids.filter(isProcessAlive)).toEqual([]), 2_000);
  });
});
