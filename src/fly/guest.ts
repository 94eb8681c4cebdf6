/**
 * The worker VM size. Fly rejects impossible sizes only when a machine is created, long after the
 * deploy; checking them in `loadConfig` makes a bad `FLY_WORKER_*` value fail the API at start instead.
 */
import type { CpuKind, GuestConfig } from '../../protocol/fly-machines.js';

export interface WorkerGuest {
  cpuKind: CpuKind;
  cpus: number;
  memoryMb: number;
}

/** flyctl's client-side rules (`internal/machine/update.go`); the server's own are similar but unverified. */
const GUEST_RULES = {
  shared: { cpus: [1, 2, 4, 6, 8], memoryStepMb: 256, minPerCpuMb: 256, maxPerCpuMb: 2_048 },
  performance: { cpus: [1, 2, 4, 6, 8, 10, 12, 14, 16, 32, 64, 128], memoryStepMb: 1_024, minPerCpuMb: 2_048, maxPerCpuMb: 8_192 },
} as const;

/** Memory when `FLY_WORKER_MEMORY_MB` is unset: enough per CPU for an HLS ladder of parallel encodes. */
export function defaultMemoryMb(cpuKind: CpuKind, cpus: number): number {
  return cpus * (cpuKind === 'performance' ? 2_048 : 1_024);
}

/** Why Fly would refuse this size; empty when it is a valid one. */
export function guestProblems(guest: WorkerGuest): string[] {
  const rules = GUEST_RULES[guest.cpuKind];
  const problems: string[] = [];
  if (!(rules.cpus as readonly number[]).includes(guest.cpus)) {
    problems.push(`${guest.cpuKind} machines have ${rules.cpus.join(', ')} CPUs, not ${guest.cpus}`);
    return problems;
  }
  const min = rules.minPerCpuMb * guest.cpus;
  const max = rules.maxPerCpuMb * guest.cpus;
  if (guest.memoryMb % rules.memoryStepMb !== 0) problems.push(`memory must be a multiple of ${rules.memoryStepMb} MB for ${guest.cpuKind} CPUs`);
  if (guest.memoryMb < min || guest.memoryMb > max) problems.push(`${guest.cpus} ${guest.cpuKind} CPUs take ${min} to ${max} MB of memory, not ${guest.memoryMb}`);
  return problems;
}

export function toGuestConfig(guest: WorkerGuest): GuestConfig {
  return { cpu_kind: guest.cpuKind, cpus: guest.cpus, memory_mb: guest.memoryMb };
}
