/**
 * Just enough M3U8 to take an HLS ladder offline: every URI a playlist references (variant
 * playlists, media segments, init sections, alternative renditions) is resolved against the
 * playlist's own URL and replaced by a local file name chosen by the caller.
 */

/** One file a playlist references. */
export interface PlaylistReference {
  /** Absolute URL, resolved against the playlist's URL. */
  url: string;
  /** Whether it is itself a playlist (a variant) rather than media. */
  isPlaylist: boolean;
}

/**
 * Rewrites every URI in `playlist` to `localName(reference)` and lists the references in order of
 * appearance. Tag lines carry URIs in a `URI="..."` attribute; other non-comment lines are URIs.
 */
export function rewritePlaylistForOffline(
  playlist: string,
  playlistUrl: string,
  localName: (reference: PlaylistReference) => string,
): { text: string; references: PlaylistReference[] } {
  const references: PlaylistReference[] = [];
  const replace = (uri: string): string => {
    const url = new URL(uri, playlistUrl).toString();
    const reference = { url, isPlaylist: isPlaylistUrl(url) };
    references.push(reference);
    return localName(reference);
  };
  const lines = playlist.split(/\r?\n/).map((line) => {
    const trimmed = line.trim();
    if (trimmed === '') return line;
    if (trimmed.startsWith('#')) return line.replace(/URI="([^"]+)"/, (_match, uri: string) => `URI="${replace(uri)}"`);
    return replace(trimmed);
  });
  return { text: lines.join('\n'), references };
}

export function isPlaylistUrl(url: string): boolean {
  return /\.m3u8$/i.test(new URL(url).pathname);
}

/** A safe local file name for a URL: its last path segment, made safe by `safeFileName`. */
export function localFileName(url: string, fallback: string): string {
  return safeFileName(decodeURIComponent(new URL(url).pathname.split('/').pop() ?? ''), fallback);
}

/**
 * `name` with anything outside [A-Za-z0-9._-] replaced and leading dots dropped, so no name can
 * climb out of the output directory or hide as a dot file.
 */
export function safeFileName(name: string, fallback: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '');
  return safe === '' ? fallback : safe;
}
