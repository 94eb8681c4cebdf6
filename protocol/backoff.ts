/**
 * The one exponential backoff with jitter that every retry loop in ffly uses (API, worker, clients).
 * Kept here, beside the other shared definitions, because the worker and the typed client may import
 * nothing from `src/`.
 */

/** Bounds of an exponential backoff. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Largest delay, before jitter. */
  maxMs: number;
  /**
   * How the random part is drawn: `equal` (the default) keeps half of the delay fixed and draws the
   * other half, so delays still grow; `spread` multiplies by a factor in [0.5, 1.5) so that callers
   * that failed together spread out around the nominal delay.
   */
  jitter?: 'equal' | 'spread';
}

/**
 * The delay before retry number `attempt` (0 for the first retry): `baseMs * 2^attempt`, capped at
 * `maxMs`, then jittered so that clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // The exponent is bounded so that 2^attempt stays finite (0 · Infinity would be NaN); the cap applies long before.
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(0, attempt), 52));
  if (options.jitter === 'spread') return ceiling * (0.5 + random());
  return ceiling / 2 + random() * (ceiling / 2);
}
