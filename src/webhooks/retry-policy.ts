/** When a webhook attempt counts as delivered, when to stop, and how long to wait before the next. */
import { backoffDelay } from '../../protocol/backoff.js';

/** Longest wait between two attempts, however many failed before. */
export const MAX_RETRY_DELAY_MS = 6 * 3600 * 1000;

/**
 * What an attempt's result means for the delivery: any 2xx is delivered; 410 Gone is the receiver
 * asking us to stop (Standard Webhooks), so the delivery fails without retrying; everything else
 * (other statuses, redirects, which are never followed, timeouts, network errors) is retried.
 */
export type AttemptVerdict = 'delivered' | 'gone' | 'retry';

export function judgeResponse(responseStatus: number | null): AttemptVerdict {
  if (responseStatus === null) return 'retry';
  if (responseStatus >= 200 && responseStatus < 300) return 'delivered';
  if (responseStatus === 410) return 'gone';
  return 'retry';
}

/**
 * The wait after `failedAttempts` failed attempts (1 after the first): base · 2^(failedAttempts − 1),
 * capped at {@link MAX_RETRY_DELAY_MS}, times a jitter factor in [0.5, 1.5) so that deliveries that
 * failed together during a receiver's outage do not all return at the same instant. With the 5 s
 * default base this spreads about 16 attempts over the default 24 h window.
 */
export function retryDelayMs(failedAttempts: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(backoffDelay(failedAttempts - 1, { baseMs, maxMs: MAX_RETRY_DELAY_MS, jitter: 'spread' }, random));
}
