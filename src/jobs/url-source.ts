/**
 * Sources fetched from a URL (`SourceInput.url`): what a valid one looks like, and the file name it
 * gives when none was given. Pure. Its host is checked at createJob by `Services.checkSourceUrl`
 * (src/webhooks/url-guard.ts), and every hop again by the worker at fetch time
 * (transcoder/src/fetch-source.ts), both with protocol/address-policy.ts.
 */
import { z } from 'zod';

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
