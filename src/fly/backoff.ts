/** The Fly client's retry waits; the backoff itself is the one in `protocol/backoff.ts`. */
import { setTimeout as delay } from 'node:timers/promises';
import type { BackoffOptions } from '../../protocol/backoff.js';

/** The client policy the research notes suggest: base 200-500 ms, cap about 5 s (equal jitter, `protocol/backoff.ts`). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5_000 };

/**
 * Milliseconds asked for by a `Retry-After` header (delta-seconds or an HTTP date), if any. Fly does
 * not document sending it on 429, so this is honoured when present and never relied upon.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
