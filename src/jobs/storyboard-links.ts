import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links to a completed storyboard, served by the API's /storyboards route the way /hls serves
 * playlists: the WebVTT index is rewritten on the way out so each cue's sprite-sheet URI becomes a
 * presigned GET that keeps its `#xywh=` fragment. Nothing is stored; a link is valid until `expiresAt`.
 */
export interface StoryboardLinkClaims {
  jobId: string;
  outputName: string;
  expiresAt: number;
}

export function signStoryboardToken(key: Buffer, claims: StoryboardLinkClaims): string {
  const expires = Math.floor(claims.expiresAt / 1000);
  return `${claims.jobId}.${claims.outputName}.${expires}.${signature(key, claims.jobId, claims.outputName, expires)}`;
}

/** Null for a malformed, forged or expired token (an HLS link's token is not a storyboard's). */
export function verifyStoryboardToken(key: Buffer, token: string, now = Date.now()): StoryboardLinkClaims | null {
  const parts = token.split('.');
  if (parts.length !== 4) return null;
  const [jobId, outputName, expiresText, given] = parts as [string, string, string, string];
  const expires = Number(expiresText);
  if (!Number.isSafeInteger(expires) || expires * 1000 < now) return null;
  const expected = Buffer.from(signature(key, jobId, outputName, expires));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  return { jobId, outputName, expiresAt: expires * 1000 };
}

function signature(key: Buffer, jobId: string, outputName: string, expires: number): string {
  return createHmac('sha256', key).update(`storyboard:${jobId}:${outputName}:${expires}`).digest('base64url');
}

const TIMING = /^\s*[\d:.]+\s+-->\s+[\d:.]+/;

/**
 * Rewrites a storyboard's WebVTT: every cue payload line that is a relative URI ("sheet.jpg#xywh=0,0,160,90")
 * becomes `presign(path)` plus the same fragment. Each distinct path is presigned once; headers, timings,
 * notes and absolute URIs are left as they are.
 */
export async function rewriteStoryboardVtt(vtt: string, presign: (relativePath: string) => Promise<string>): Promise<string> {
  const signed = new Map<string, Promise<string>>();
  const sign = (relative: string) => {
    let url = signed.get(relative);
    if (!url) {
      url = presign(relative);
      signed.set(relative, url);
    }
    return url;
  };
  const lines = vtt.split(/\r?\n/);
  let inPayload = false;
  const rewritten: Array<string | Promise<string>> = lines.map((line) => {
    if (line.trim() === '') {
      inPayload = false;
      return line;
    }
    if (TIMING.test(line)) {
      inPayload = true;
      return line;
    }
    const uri = line.trim();
    if (!inPayload || /\s/.test(uri) || !isRelative(uri)) return line;
    const hash = uri.indexOf('#');
    const relative = hash === -1 ? uri : uri.slice(0, hash);
    const fragment = hash === -1 ? '' : uri.slice(hash);
    return sign(decodeURIComponent(relative)).then((url) => `${url}${fragment}`);
  });
  return (await Promise.all(rewritten)).join('\n');
}

function isRelative(uri: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/') && !uri.startsWith('#');
}
