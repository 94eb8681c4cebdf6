/**
 * Per-client-address backoff on failed authentication, so API keys cannot be guessed at line rate.
 * A few wrong keys are free; each further one blocks the address for twice as long as the last (from
 * `baseDelayMs` up to `maxDelayMs`). While blocked, every request from the address is refused before
 * its key is looked at, so a guess made during the block tells nothing. The count fades after
 * `forgetAfterMs` without failures.
 */
export interface AuthThrottleOptions {
  /** Wrong keys allowed before the first block. @default 5 */
  freeFailures?: number;
  /** @default 1000 */
  baseDelayMs?: number;
  /** @default 300000 (5 min) */
  maxDelayMs?: number;
  /** @default 900000 (15 min) */
  forgetAfterMs?: number;
  /** Most addresses remembered; the oldest are dropped beyond it. @default 10000 */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<AuthThrottleOptions>;

  constructor(options: AuthThrottleOptions = {}) {
    this.options = { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 300_000, forgetAfterMs: 900_000, maxEntries: 10_000, now: Date.now, ...options };
  }

  /** Seconds the address must wait before it may try again (for `Retry-After`), or 0. */
  retryAfterSeconds(address: string): number {
    const entry = this.current(address);
    if (!entry) return 0;
    const wait = entry.blockedUntil - this.options.now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** Records a wrong key from the address. */
  failed(address: string): void {
    const now = this.options.now();
    const entry = this.current(address) ?? { failures: 0, lastFailureAt: now, blockedUntil: 0 };
    entry.failures += 1;
    entry.lastFailureAt = now;
    const over = entry.failures - this.options.freeFailures;
    if (over > 0) entry.blockedUntil = now + Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 30));
    // Re-inserted so the map stays ordered by last failure, oldest first.
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private current(address: string): Entry | undefined {
    const entry = this.entries.get(address);
    if (entry && this.options.now() - entry.lastFailureAt > this.options.forgetAfterMs && entry.blockedUntil <= this.options.now()) {
      this.entries.delete(address);
      return undefined;
    }
    return entry;
  }
}
