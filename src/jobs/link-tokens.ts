import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed tokens of the API's own link routes (/hls, /storyboards): "<job>.<output>.<expires>.<mac>",
 * the MAC over the route's purpose too, so a token of one route opens nothing on another. Nothing is
 * stored; a token is valid until it expires.
 */
export interface LinkClaims {
  jobId: string;
  outputName: string;
  expiresAt: number;
}

export type LinkPurpose = 'hls' | 'storyboard';

export function signLinkToken(key: Buffer, purpose: LinkPurpose, claims: LinkClaims): string {
  const expires = Math.floor(claims.expiresAt / 1000);
  return `${claims.jobId}.${claims.outputName}.${expires}.${signature(key, purpose, claims.jobId, claims.outputName, expires)}`;
}

/** Null for a malformed, forged or expired token, or one signed for another purpose. */
export function verifyLinkToken(key: Buffer, purpose: LinkPurpose, token: string, now = Date.now()): LinkClaims | null {
  const parts = token.split('.');
  if (parts.length !== 4) return null;
  const [jobId, outputName, expiresText, given] = parts as [string, string, string, string];
  const expires = Number(expiresText);
  if (!Number.isSafeInteger(expires) || expires * 1000 < now) return null;
  const expected = Buffer.from(signature(key, purpose, jobId, outputName, expires));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  return { jobId, outputName, expiresAt: expires * 1000 };
}

function signature(key: Buffer, purpose: LinkPurpose, jobId: string, outputName: string, expires: number): string {
  return createHmac('sha256', key).update(`${purpose}:${jobId}:${outputName}:${expires}`).digest('base64url');
}
