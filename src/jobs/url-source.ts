/**
 * Sources fetched from a URL (`SourceInput.url`): what a valid one looks like, the file name it gives
 * when none was given, and the address check made at createJob. The worker checks every hop again at
 * fetch time (transcoder/src/fetch-source.ts) with the same policy (protocol/address-policy.ts).
 */
import { z } from 'zod';
import type { Config } from '../config/load-config.js';
import { resolveWebhookTarget, type ResolveHost } from '../webhooks/url-guard.js';

/** Longest source URL accepted: signed URLs (S3, GCS, CloudFront) run to a kilobyte or two. */
export const MAX_SOURCE_URL_LENGTH = 4096;

export const sourceUrlSchema = z
  .string()
  .max(MAX_SOURCE_URL_LENGTH, `must be at most ${MAX_SOURCE_URL_LENGTH} characters`)
  .superRefine((value, context) => {
    const problem = sourceUrlProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/**
 * Why a URL cannot be a source, or null. Only http and https; no user name or password in the URL
 * (it would be stored and shown back with the job: a signed URL carries its own authorisation).
 */
export function sourceUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return 'must be an absolute http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password; use a signed URL instead';
  return null;
}

/** The file name a URL source gets when none was given: the last segment of its path ("talk.mp4"), else "source". */
export function filenameFromUrl(value: string): string {
  const segment = new URL(value).pathname.split('/').filter(Boolean).pop() ?? '';
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape: keep it as written.
  }
  const cleaned = decoded.replace(/[\u0000-\u001f\u007f]/g, '').slice(-255);
  return cleaned === '' ? 'source' : cleaned;
}

/**
 * `Services.checkSourceUrl` for createJob: the reason to refuse a URL's host (a literal refused address,
 * or a name resolving to one), or null. Under `INGEST_ALLOW_PRIVATE` only the scheme is checked, and
 * a name that does not resolve is left to the worker (its DNS may differ; the job then fails there).
 */
export function createSourceUrlChecker(
  config: Pick<Config, 'ingestAllowPrivate'>,
  resolveHost?: ResolveHost,
): (url: string) => Promise<string | null> {
  return async (url) => {
    if (config.ingestAllowPrivate) return null;
    const result = await resolveWebhookTarget(url, { allowPrivate: false, resolveHost });
    return 'reason' in result ? result.reason : null;
  };
}

/** A URL for logs and messages: its origin and path, never its query (a signed URL's signature lives there). */
export function describeSourceUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
