/**
 * Fly Machines list prices: the one place `Job.usage.estimatedCostUsd` takes its figures from.
 *
 * Source: https://fly.io/docs/about/pricing/ ("Started Fly Machines"), the per-size table for Fly's
 * cheapest regions (e.g. iad, ams): shared-cpu-1x with 256 MB at $1.94 per 30 days, performance-1x
 * with 2 GB at $31.00 per 30 days, each further CPU of a kind at the same price with the same memory,
 * and memory beyond what the CPUs include at $5.00 per GB per 30 days. Billing is per second of a
 * started machine. Recorded 2026-11-29. Prices in other regions are higher (up to about 1.5 times);
 * re-check the page and update this file (and its date) when Fly changes them.
 */
import type { WorkerGuest } from '../fly/guest.js';

/** Seconds in the 30-day month Fly's monthly figures are quoted for. */
const MONTH_SECONDS = 30 * 24 * 3600;

export const FLY_PRICES = {
  source: 'https://fly.io/docs/about/pricing/',
  recorded: '2026-11-29',
  /** One CPU of each kind, with the memory it includes, per 30 days (USD). */
  perCpuMonthUsd: { shared: 1.94, performance: 31.0 },
  includedMemoryMbPerCpu: { shared: 256, performance: 2048 },
  /** Memory beyond the included, per GB per 30 days (USD). */
  extraMemoryGbMonthUsd: 5.0,
} as const;

/** What one second of a started machine of this size costs at list price (USD). */
export function machinePricePerSecondUsd(guest: WorkerGuest): number {
  const cpu = FLY_PRICES.perCpuMonthUsd[guest.cpuKind] * guest.cpus;
  const extraMb = Math.max(0, guest.memoryMb - FLY_PRICES.includedMemoryMbPerCpu[guest.cpuKind] * guest.cpus);
  const memory = (extraMb / 1024) * FLY_PRICES.extraMemoryGbMonthUsd;
  return (cpu + memory) / MONTH_SECONDS;
}
