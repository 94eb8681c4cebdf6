/**
 * The emulator's machines, persisted to `<dataDir>/state.json` so that a restarted emulator still
 * knows its stopped machines. Writes are coalesced to one per tick and atomic (write, then rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineState } from '../../protocol/fly-machines.js';
import { ulid } from '../../protocol/ulid.js';
import { isMachineProcessAlive } from './processes.js';
import type { MachineRecord } from './record.js';

const STATE_FILE = 'state.json';
const STATE_VERSION = 1;
/** Destroyed machines are forgotten after a day; until then `include_deleted` lists them. */
const FORGET_DESTROYED_AFTER_MS = 24 * 3_600_000;
/** States with a live process: it cannot have survived the emulator, and it is stopped when the emulator shuts down. */
export const RUNNING_STATES: ReadonlySet<MachineState> = new Set(['starting', 'started', 'stopping', 'restarting', 'replacing', 'updating']);

interface StateFile {
  version: number;
  machines: MachineRecord[];
}

export class MachineStore {
  private readonly machines = new Map<string, MachineRecord>();
  private saveScheduled = false;
  private closed = false;

  constructor(private readonly dataDir: string) {
    // The state carries every machine's env, worker tokens included: private to the owner.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }

  /**
   * Reads the state file. A machine whose process still runs (the emulator was killed, its machines
   * were not) stays `started` and is returned for adoption; other machines that were running come
   * back `stopped`, with an exit event saying why; ones being destroyed come back destroyed.
   */
  load(now: number = Date.now()): MachineRecord[] {
    const survivors: MachineRecord[] = [];
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(join(this.dataDir, STATE_FILE), 'utf8')) as StateFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return survivors;
      throw error;
    }
    if (state.version !== STATE_VERSION) throw new Error(`unsupported Fly emulator state version ${state.version}`);
    for (const record of state.machines) {
      if (record.destroyedAt !== undefined && now - record.destroyedAt > FORGET_DESTROYED_AFTER_MS) continue;
      if (record.state === 'started' && isMachineProcessAlive(record.pid, record.id)) {
        survivors.push(record);
      } else if (RUNNING_STATES.has(record.state)) {
        delete record.pid;
        markLost(record, now);
      }
      if (record.state === 'destroying') {
        record.state = 'destroyed';
        record.destroyedAt = now;
      }
      this.machines.set(record.id, record);
    }
    return survivors;
  }

  get(machineId: string): MachineRecord | undefined {
    return this.machines.get(machineId);
  }

  all(): MachineRecord[] {
    return [...this.machines.values()];
  }

  add(record: MachineRecord): void {
    this.machines.set(record.id, record);
    this.scheduleSave();
  }

  /** Records are mutated in place; call this after every change. */
  scheduleSave(): void {
    if (this.saveScheduled || this.closed) return;
    this.saveScheduled = true;
    setImmediate(() => {
      this.saveScheduled = false;
      if (!this.closed) this.saveNow();
    });
  }

  /** Writes now and stops further writes. */
  close(): void {
    this.saveNow();
    this.closed = true;
  }

  private saveNow(): void {
    const state: StateFile = { version: STATE_VERSION, machines: this.all() };
    const path = join(this.dataDir, STATE_FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(state), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
}

function markLost(record: MachineRecord, now: number): void {
  record.state = 'stopped';
  record.updatedAt = now;
  record.events.unshift({
    id: ulid(now),
    type: 'exit',
    status: 'stopped',
    source: 'flyd',
    timestamp: now,
    request: {
      exit_event: { exit_code: -1, requested_stop: false, restarting: false, oom_killed: false, signal: -1, error: 'emulator restarted', exited_at: new Date(now).toISOString() },
      restart_count: record.restartCount,
    },
  });
}
