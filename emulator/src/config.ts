/**
 * Machine config as the emulator accepts and stores it: validated where the real API is known to
 * reject, stored verbatim otherwise, with the defaults the server adds (`init: {}`, `dns: {}`,
 * `restart.policy: ""`, a shared-cpu-1x guest).
 */
import { parseDuration } from '../../protocol/fly-duration.js';
import type { GuestConfig, MachineConfig, StopSignal } from '../../protocol/fly-machines.js';
import { badRequest } from './errors.js';

const RESTART_POLICIES = new Set(['', 'no', 'always', 'on-failure', 'spot-price']);
const ROOTFS_PERSIST = new Set(['', 'never', 'always', 'restart']);
export const STOP_SIGNALS: readonly StopSignal[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2', 'SIGTERM'];
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const MAX_STOP_TIMEOUT_MS = 300_000;

/** flyctl's client-side guest rules; the server's own are similar but unverified. */
const GUEST_RULES = {
  shared: { cpus: [1, 2, 4, 6, 8], memoryStep: 256, minPerCpu: 256, maxPerCpu: 2_048 },
  performance: { cpus: [1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128], memoryStep: 1_024, minPerCpu: 2_048, maxPerCpu: 8_192 },
} as const;

export function normaliseConfig(raw: unknown): MachineConfig {
  if (!isRecord(raw)) throw badRequest('config is required');
  if (typeof raw.image !== 'string' || raw.image.trim() === '') throw badRequest('config.image is required');
  // Kept verbatim, unknown fields included; the fields the emulator acts on are checked below.
  const config = { ...raw } as unknown as MachineConfig;
  config.init ??= {};
  config.dns ??= {};
  config.restart ??= { policy: '' };
  if (!RESTART_POLICIES.has(config.restart.policy ?? '')) throw badRequest(`invalid config.restart.policy "${config.restart.policy}"`);
  if (config.guest === undefined && config.size === undefined) config.guest = { cpu_kind: 'shared', cpus: 1, memory_mb: 256 };
  if (config.guest) checkGuest(config.guest);
  if (config.rootfs !== undefined) checkRootfs(config.rootfs);
  for (const [key, value] of Object.entries(config.env ?? {})) {
    if (typeof value !== 'string') throw badRequest(`config.env.${key} must be a string`);
  }
  if (config.stop_config?.timeout !== undefined) readDuration(config.stop_config.timeout, 'config.stop_config.timeout');
  if (config.stop_config?.signal !== undefined && !STOP_SIGNALS.includes(config.stop_config.signal)) {
    throw badRequest(`invalid config.stop_config.signal "${config.stop_config.signal}"`);
  }
  return config;
}

function checkGuest(guest: GuestConfig): void {
  const kind = guest.cpu_kind ?? 'shared';
  if (kind !== 'shared' && kind !== 'performance') throw badRequest(`invalid config.guest.cpu_kind "${String(kind)}"`);
  const rules = GUEST_RULES[kind];
  const cpus = guest.cpus ?? 1;
  const memory = guest.memory_mb ?? rules.minPerCpu * cpus;
  if (!(rules.cpus as readonly number[]).includes(cpus)) throw badRequest(`invalid config.guest.cpus ${cpus} for ${kind} CPUs`);
  if (memory % rules.memoryStep !== 0) throw badRequest(`invalid config.guest.memory_mb, must be a multiple of ${rules.memoryStep}`);
  if (memory < rules.minPerCpu * cpus) throw badRequest(`invalid config.guest.memory_mb, minimum required ${rules.minPerCpu * cpus} MiB`);
  if (memory > rules.maxPerCpu * cpus) throw badRequest(`max config.guest.memory_mb: ${rules.maxPerCpu * cpus}`);
}

/**
 * `rootfs` as fly-go types it (`MachineRootfs`: `size_gb` an unsigned integer, `persist` one of four
 * strings); how the server words its refusals, and its largest size, are unverified.
 */
function checkRootfs(rootfs: unknown): void {
  if (!isRecord(rootfs)) throw badRequest('config.rootfs must be an object');
  const size = rootfs.size_gb;
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 0)) {
    throw badRequest(`invalid config.rootfs.size_gb ${JSON.stringify(size)}`);
  }
  if (rootfs.persist !== undefined && !ROOTFS_PERSIST.has(rootfs.persist as string)) {
    throw badRequest(`invalid config.rootfs.persist ${JSON.stringify(rootfs.persist)}`);
  }
}

export interface StopSettings {
  signal: StopSignal;
  timeoutMs: number;
}

/** The stop request's signal and timeout, falling back on `stop_config`, then on SIGINT and 5 s. */
export function stopSettings(config: MachineConfig, request: { signal?: unknown; timeout?: unknown } = {}): StopSettings {
  const signal = request.signal ?? config.stop_config?.signal ?? 'SIGINT';
  if (!STOP_SIGNALS.includes(signal as StopSignal)) throw badRequest(`invalid signal "${String(signal)}"`);
  const timeout = request.timeout ?? config.stop_config?.timeout;
  const timeoutMs = timeout === undefined ? DEFAULT_STOP_TIMEOUT_MS : readDuration(timeout, 'timeout');
  return { signal: signal as StopSignal, timeoutMs: Math.min(timeoutMs, MAX_STOP_TIMEOUT_MS) };
}

function readDuration(value: unknown, field: string): number {
  try {
    if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError('not a duration');
    return parseDuration(value);
  } catch {
    throw badRequest(`invalid ${field} ${JSON.stringify(value)}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
