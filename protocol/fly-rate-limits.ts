/**
 * Token buckets for Fly's documented Machines API limits: "1 request, per second, per action ... with a
 * short-term burst limit up to 3 req/s, per action ... except Get Machine which is 5 req/s, with a
 * short-term burst limit up to 10 req/s", scoped per machine id (or per app where there is no machine,
 * as for create and list). The client waits on these buckets instead of collecting 429s; the emulator
 * uses the same buckets to answer 429.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** The API actions, each rate limited on its own. */
export type FlyAction = 'list' | 'create' | 'get' | 'update' | 'start' | 'stop' | 'wait' | 'destroy' | 'lease' | 'events';

export interface RateLimit {
  /** Sustained rate, in tokens per second. */
  perSecond: number;
  /** Bucket size: how many calls may go at once after a quiet spell. */
  burst: number;
}

export interface RateLimits {
  /** Every action but `get`. @default { perSecond: 1, burst: 3 } */
  default: RateLimit;
  /** Get Machine. @default { perSecond: 5, burst: 10 } */
  get: RateLimit;
}

export const FLY_RATE_LIMITS: RateLimits = {
  default: { perSecond: 1, burst: 3 },
  get: { perSecond: 5, burst: 10 },
};

/** Above this many buckets, full (idle) ones are dropped so one bucket per machine ever seen doesn't pile up. */
const PRUNE_THRESHOLD = 1_024;

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.refilledAt = now;
  }

  /** Takes a token if one is available now. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Reserves the next token, going into debt if need be, and returns how long to wait before using it.
   * Reservations keep concurrent callers in order, which re-polling a bucket would not.
   */
  reserve(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.limit.perSecond) * 1_000;
  }

  /** Gives back a reserved token that was not used. */
  refund(): void {
    this.tokens = Math.min(this.limit.burst, this.tokens + 1);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }

  private refill(now: number): void {
    const elapsedSeconds = Math.max(0, now - this.refilledAt) / 1_000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.perSecond);
    this.refilledAt = now;
  }
}

export interface RateLimiterOptions {
  /**
   * Added to every wait, because the server's bucket started when our first request *arrived*: a call
   * sent the instant our bucket refills can reach Fly just before Fly's has. @default 0
   */
  safetyMarginMs?: number;
  now?: () => number;
}

/** One token bucket per (action, scope), where scope is a machine id or an app name. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly safetyMarginMs: number;
  private readonly now: () => number;

  constructor(
    private readonly limits: RateLimits = FLY_RATE_LIMITS,
    options: RateLimiterOptions = {},
  ) {
    this.safetyMarginMs = options.safetyMarginMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  /** Non-blocking: true if the call may go now (the emulator answers 429 otherwise). */
  tryAcquire(action: FlyAction, scope: string): boolean {
    return this.bucket(action, scope).tryTake(this.now());
  }

  /** Waits until the call may go; rejects if `signal` aborts first. */
  async acquire(action: FlyAction, scope: string, signal?: AbortSignal): Promise<void> {
    const bucket = this.bucket(action, scope);
    const waitMs = bucket.reserve(this.now());
    if (waitMs === 0) return;
    try {
      await delay(waitMs + this.safetyMarginMs, undefined, { signal });
    } catch (error) {
      bucket.refund();
      throw signal?.aborted ? signal.reason : error;
    }
  }

  private bucket(action: FlyAction, scope: string): TokenBucket {
    const key = `${action}\u0000${scope}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_THRESHOLD) this.pruneIdle();
      bucket = new TokenBucket(action === 'get' ? this.limits.get : this.limits.default, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private pruneIdle(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(now)) this.buckets.delete(key);
    }
  }
}
