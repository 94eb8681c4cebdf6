/**
 * The scheduler's picture of its pool: the API's list, overlaid with the outcome of its own recent
 * actions. The list is eventually consistent (a machine just created may be missing from it, a state
 * may lag), so for a short while after an action a listing that still shows the state from before it
 * is taken as old news rather than as the truth. Anything else the list says wins: a machine missing
 * from it was destroyed behind the scheduler's back and is forgotten.
 */
import { latestExit, type MachineExit } from '../fly/exit.js';
import type { Machine } from '../../protocol/fly-machines.js';
import { machineVersion } from './worker-config.js';

/** How long our own action outranks a list that does not show it yet. */
const ACTION_PIN_MS = 15_000;

export interface PoolMachine {
  id: string;
  state: string;
  /** The worker config version it was created with; undefined when unknown. */
  version: string | undefined;
  /** Its newest exit among the events the API embedded, if any. */
  lastExit: MachineExit | undefined;
  /** When its state last changed (epoch ms; NaN when the API did not say). */
  updatedAt: number;
}

interface Entry extends PoolMachine {
  /** Until `until`, a listing showing `staleState` (null: absent) predates our action and is ignored. */
  pin?: { until: number; staleState: string | null };
}

/** The pool as this leader last saw it; one per leadership term. */
export class PoolView {
  private readonly entries = new Map<string, Entry>();

  /** Takes in a listing of the pool. Returns the machines it forgot (gone from the API), as last seen. */
  applyList(listed: readonly Machine[], now: number = Date.now()): PoolMachine[] {
    const byId = new Map(listed.map((machine) => [machine.id, machine]));
    const forgotten: PoolMachine[] = [];
    for (const [id, entry] of this.entries) {
      const machine = byId.get(id);
      const pin = entry.pin && now < entry.pin.until ? entry.pin : undefined;
      if (!machine) {
        if (pin?.staleState === null) continue;
        this.entries.delete(id);
        forgotten.push(snapshot(entry));
        continue;
      }
      byId.delete(id);
      const updatedAt = entry.updatedAt;
      Object.assign(entry, describe(machine));
      // While pinned, a listing still showing the state from before our action keeps our state.
      if (!pin || machine.state !== pin.staleState) {
        entry.state = machine.state;
        delete entry.pin;
      } else {
        entry.updatedAt = updatedAt;
      }
    }
    for (const machine of byId.values()) this.entries.set(machine.id, { ...describe(machine), state: machine.state });
    return forgotten;
  }

  /** A machine this scheduler just created, before any listing shows it. */
  addCreated(machine: Machine, now: number = Date.now()): void {
    this.entries.set(machine.id, { ...describe(machine), state: machine.state, pin: { until: now + ACTION_PIN_MS, staleState: null } });
  }

  /** Records what our action did to a machine (e.g. `starting` after a start that found it `stopped`). */
  recordAction(machineId: string, state: string, now: number = Date.now()): void {
    const entry = this.entries.get(machineId);
    if (!entry) return;
    entry.pin = { until: now + ACTION_PIN_MS, staleState: entry.state };
    entry.state = state;
    entry.updatedAt = now;
  }

  forget(machineId: string): void {
    this.entries.delete(machineId);
  }

  get(machineId: string): PoolMachine | undefined {
    const entry = this.entries.get(machineId);
    return entry && snapshot(entry);
  }

  machines(): PoolMachine[] {
    return [...this.entries.values()].map(snapshot).sort((left, right) => left.id.localeCompare(right.id));
  }
}

function describe(machine: Machine): Omit<PoolMachine, 'state'> {
  return { id: machine.id, version: machineVersion(machine), lastExit: latestExit(machine.events ?? []), updatedAt: Date.parse(machine.updated_at) };
}

function snapshot(entry: Entry): PoolMachine {
  return { id: entry.id, state: entry.state, version: entry.version, lastExit: entry.lastExit, updatedAt: entry.updatedAt };
}
