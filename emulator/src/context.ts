/**
 * The emulator's shared state and the primitives every handler uses: state changes (which persist and
 * wake `wait` long polls), events, per-machine timers, and the visibility rules of lookups.
 */
import type { Logger } from 'pino';
import type { MachineEvent, MachineState } from '../../protocol/fly-machines.js';
import { ulid } from '../../protocol/ulid.js';
import { machineNotFound } from './errors.js';
import type { CreateFailure, ResolvedEmulatorOptions } from './options.js';
import { MAX_EVENTS, type MachineRecord } from './record.js';
import type { MachineStore } from './store.js';

/** What exists only while the emulator runs: the process and pending steps of one machine. */
export interface MachineRuntime {
  /**
   * The machine's main process (the leader of its process group): a child of this emulator, or one
   * adopted after a restart (see adoptProcess), which has only a pid.
   */
  child?: { pid?: number | undefined };
  /** Resolves once `child` has exited and its exit has been recorded. */
  exited?: Promise<void>;
  /** A boot waiting for the image pull and the start delay. */
  bootTimer?: NodeJS.Timeout;
  /** Other pending steps, such as the end of an update's `replacing` period. */
  timers: Set<NodeJS.Timeout>;
  /** Set while the emulator itself ends the process, making its exit a requested stop. */
  stopRequested: boolean;
}

export interface EmulatorContext {
  options: ResolvedEmulatorOptions;
  store: MachineStore;
  logger: Logger;
  runtimes: Map<string, MachineRuntime>;
  watchers: Map<string, Set<() => void>>;
  /** The pending `failNextCreates` knob. */
  createFailure: CreateFailure | undefined;
  /** Images the registry no longer has (`missingImages`, `markImageMissing`). */
  missingImages: Set<string>;
  closing: boolean;
}

export function runtimeOf(context: EmulatorContext, machineId: string): MachineRuntime {
  let runtime = context.runtimes.get(machineId);
  if (!runtime) {
    runtime = { timers: new Set(), stopRequested: false };
    context.runtimes.set(machineId, runtime);
  }
  return runtime;
}

type NewEvent = Omit<MachineEvent, 'id' | 'timestamp'>;

/**
 * Moves the machine to `state`, recording `event` first, so that a long poll woken by the change sees
 * the event that came with it.
 */
export function setState(context: EmulatorContext, record: MachineRecord, state: MachineState, event?: NewEvent): void {
  if (event) pushEvent(record, event);
  if (record.state !== state) {
    context.logger.debug({ machineId: record.id, from: record.state, to: state }, 'machine state');
    record.state = state;
    record.updatedAt = Date.now();
    if (state === 'destroyed') record.destroyedAt = record.updatedAt;
  }
  changed(context, record);
}

/** Records an event that comes without a state change. */
export function addEvent(context: EmulatorContext, record: MachineRecord, event: NewEvent): void {
  pushEvent(record, event);
  changed(context, record);
}

function pushEvent(record: MachineRecord, event: NewEvent): void {
  const now = Date.now();
  record.events.unshift({ id: ulid(now), timestamp: now, ...event });
  record.events.length = Math.min(record.events.length, MAX_EVENTS);
}

/** Persists the record and wakes the long polls watching it. */
export function changed(context: EmulatorContext, record: MachineRecord): void {
  context.store.scheduleSave();
  for (const listener of context.watchers.get(record.id) ?? []) listener();
}

/** Calls `listener` after every change to the machine, until the returned function is called. */
export function watchMachine(context: EmulatorContext, machineId: string, listener: () => void): () => void {
  const listeners = context.watchers.get(machineId) ?? new Set();
  context.watchers.set(machineId, listeners);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) context.watchers.delete(machineId);
  };
}

/** Runs `step` after `ms`, unless the machine's pending steps are cancelled first. */
export function later(context: EmulatorContext, record: MachineRecord, ms: number, step: () => void): void {
  const runtime = runtimeOf(context, record.id);
  const timer = setTimeout(() => {
    runtime.timers.delete(timer);
    step();
  }, ms);
  runtime.timers.add(timer);
}

export function cancelPendingSteps(runtime: MachineRuntime): void {
  for (const timer of runtime.timers) clearTimeout(timer);
  runtime.timers.clear();
  clearTimeout(runtime.bootTimer);
  runtime.bootTimer = undefined;
}

/**
 * The machine as a caller of the API may see it: absent for `notFoundWindowMs` after create (eventual
 * consistency), and gone `destroyedRetentionMs` after destruction. Throws a 404 otherwise.
 */
export function findMachine(context: EmulatorContext, app: string, machineId: string, now: number = Date.now()): MachineRecord {
  const record = context.store.get(machineId);
  if (!record || record.app !== app || !isVisible(context, record, now)) throw machineNotFound();
  return record;
}

export function isVisible(context: EmulatorContext, record: MachineRecord, now: number): boolean {
  if (now < record.createdAt + context.options.notFoundWindowMs) return false;
  return record.destroyedAt === undefined || now < record.destroyedAt + context.options.destroyedRetentionMs;
}
