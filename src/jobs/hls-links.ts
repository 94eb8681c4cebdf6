import { signLinkToken, verifyLinkToken, type LinkClaims } from './link-tokens.js';

/**
 * Signed links to a completed HLS rendition, served by the API's /hls route: the playlists are
 * rewritten on the way out so every segment URI is a presigned GET, while variant playlists resolve
 * relative to the signed link. Nothing is stored; a link is valid until `expiresAt`.
 */
export type HlsLinkClaims = LinkClaims;

export function signHlsToken(key: Buffer, claims: HlsLinkClaims): string {
  return signLinkToken(key, 'hls', claims);
}

/** Null for a malformed, forged or expired token. */
export function verifyHlsToken(key: Buffer, token: string, now = Date.now()): HlsLinkClaims | null {
  return verifyLinkToken(key, 'hls', token, now);
}

/**
 * Rewrites a playlist: media segment and init-section URIs become presigned URLs; playlist URIs
 * (.m3u8) stay relative so they come back through the signed route.
 */
export async function rewritePlaylist(playlist: string, presign: (relativePath: string) => Promise<string>): Promise<string> {
  const lines = playlist.split(/\r?\n/);
  const rewritten = await Promise.all(
    lines.map(async (line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) {
        // fMP4 init sections and keys carry their URI in an attribute.
        const match = /URI="([^"]+)"/.exec(trimmed);
        if (match && !isPlaylist(match[1]!) && isRelative(match[1]!)) {
          return line.replace(match[0], `URI="${await presign(match[1]!)}"`);
        }
        return line;
      }
      if (isPlaylist(trimmed) || !isRelative(trimmed)) return line;
      return presign(trimmed);
    }),
  );
  return rewritten.join('\n');
}

function isPlaylist(uri: string): boolean {
  return /\.m3u8(\?|$)/i.test(uri);
}

function isRelative(uri: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/');
}
