import { signLinkToken, verifyLinkToken, type LinkClaims } from './link-tokens.js';

/**
 * Signed links to a completed storyboard, served by the API's /storyboards route the way /hls serves
 * playlists: the WebVTT index is rewritten on the way out so each cue's sprite-sheet URI becomes a
 * presigned GET that keeps its `#xywh=` fragment. Nothing is stored; a link is valid until `expiresAt`.
 */
export type StoryboardLinkClaims = LinkClaims;

export function signStoryboardToken(key: Buffer, claims: StoryboardLinkClaims): string {
  return signLinkToken(key, 'storyboard', claims);
}

/** Null for a malformed, forged or expired token (an HLS link's token is not a storyboard's). */
export function verifyStoryboardToken(key: Buffer, token: string, now = Date.now()): StoryboardLinkClaims | null {
  return verifyLinkToken(key, 'storyboard', token, now);
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
