/**
 * Go durations as the Machines API speaks them: fly-go writes strings such as `"30s"` and reads either
 * a string or integer nanoseconds, so the client writes strings and the emulator accepts both.
 */
import type { Duration } from './fly-machines.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const COMPONENT = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/** `30000` → `"30s"`, `1500` → `"1500ms"`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  return whole % 1_000 === 0 ? `${whole / 1_000}s` : `${whole}ms`;
}

/**
 * Milliseconds in a Go duration string (`"1m30s"`, `"500ms"`) or in integer nanoseconds.
 * Throws on anything else, so the emulator can answer 400 like the real API.
 */
export function parseDuration(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`invalid duration ${value}`);
    return value / 1e6;
  }
  if (value === '0') return 0;
  let total = 0;
  COMPONENT.lastIndex = 0;
  while (COMPONENT.lastIndex < value.length) {
    const start = COMPONENT.lastIndex;
    const match = COMPONENT.exec(value);
    if (!match || match.index !== start) throw new TypeError(`invalid duration "${value}"`);
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  if (value.length === 0 || Number.isNaN(total)) throw new TypeError(`invalid duration "${value}"`);
  return total;
}
