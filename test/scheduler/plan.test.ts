import { describe, expect, it } from 'vitest';
import { planPool, type PlanInput, type PoolMachine } from '../../src/pool/index.js';

const VERSION = 'v-current';
const NOW = 1_000_000_000;
const machine = (id: string, state: string, extra: Partial<PoolMachine> = {}): PoolMachine => ({ id, state, version: VERSION, lastExit: undefined, updatedAt: NOW - 1_000, ...extra });
const exit = (exitCode: number, extra: Record<string, unknown> = {}) => ({ exit_code: exitCode, requested_stop: false, restart_count: 0, event_id: 'e', timestamp: 0, ...extra });

function plan(input: Partial<PlanInput>) {
  return planPool({ machines: [], claimableJobs: 0, busyMachineIds: new Set(), maxMachines: 3, version: VERSION, heldMachineIds: new Set(), now: NOW, ...input });
}

describe('planPool', () => {
  it('starts stopped machines before it creates any', () => {
    expect(plan({ machines: [machine('a', 'stopped')], claimableJobs: 2 })).toEqual({ start: ['a'], create: 1, destroy: [] });
  });

  it('counts idle running machines as capacity, and busy ones not', () => {
    const machines = [machine('a', 'started'), machine('b', 'started'), machine('c', 'stopped')];
    expect(plan({ machines, claimableJobs: 2 }).start).toEqual([]);
    expect(plan({ machines, claimableJobs: 2, busyMachineIds: new Set(['a']) }).start).toEqual(['c']);
  });

  it('never has more than MAX_MACHINES alive, starting ones included', () => {
    const machines = [machine('a', 'starting'), machine('b', 'created'), machine('c', 'stopped')];
    expect(plan({ machines, claimableJobs: 10, maxMachines: 3 })).toEqual({ start: ['c'], create: 0, destroy: [] });
    expect(plan({ machines, claimableJobs: 10, maxMachines: 2 })).toEqual({ start: [], create: 0, destroy: [{ id: 'c', reason: 'surplus' }] });
  });

  it('replaces stopped machines of an old config, and never starts them', () => {
    const result = plan({ machines: [machine('old', 'stopped', { version: 'v-old' })], claimableJobs: 1 });
    expect(result).toEqual({ start: [], create: 1, destroy: [{ id: 'old', reason: 'stale' }] });
  });

  it('lets running machines of an old config finish their work', () => {
    expect(plan({ machines: [machine('old', 'started', { version: 'v-old' })] }).destroy).toEqual([]);
  });

  it('destroys a machine whose worker crashed or was killed, but not one that exited on its own or was stopped', () => {
    const machines = [
      machine('crashed', 'stopped', { lastExit: exit(137) }),
      machine('oom', 'stopped', { lastExit: exit(0, { oom_killed: true }) }),
      machine('idle-exit', 'stopped', { lastExit: exit(0) }),
      machine('asked', 'stopped', { lastExit: exit(143, { requested_stop: true }) }),
      machine('failed', 'failed'),
    ];
    const result = plan({ machines, claimableJobs: 2 });
    expect(result.destroy).toEqual([
      { id: 'crashed', reason: 'crashed' },
      { id: 'oom', reason: 'crashed' },
      { id: 'failed', reason: 'failed' },
    ]);
    expect(result.start).toEqual(['idle-exit', 'asked']);
  });

  it('destroys a machine stuck in a transient state for minutes, still counting it until it is gone', () => {
    const machines = [machine('stuck', 'starting', { updatedAt: NOW - 6 * 60_000 }), machine('booting', 'starting')];
    expect(plan({ machines, claimableJobs: 5, maxMachines: 2 })).toEqual({ start: [], create: 0, destroy: [{ id: 'stuck', reason: 'wedged' }] });
  });

  it('leaves held machines alone and does not count them as capacity', () => {
    const machines = [machine('suspect', 'started'), machine('other', 'stopped')];
    expect(plan({ machines, claimableJobs: 1, heldMachineIds: new Set(['suspect']) })).toEqual({ start: ['other'], create: 0, destroy: [] });
  });

  it('waits for a machine that is stopping rather than creating one', () => {
    expect(plan({ machines: [machine('a', 'stopping')], claimableJobs: 1 })).toEqual({ start: [], create: 0, destroy: [] });
  });

  it('does nothing when MAX_MACHINES are already running', () => {
    const machines = [machine('a', 'started'), machine('b', 'started')];
    expect(plan({ machines, claimableJobs: 5, busyMachineIds: new Set(['a', 'b']), maxMachines: 2 })).toEqual({ start: [], create: 0, destroy: [] });
  });
});
