/**
 * Just enough of an M3U8 reader to check the ladders we write: the variant URIs of a master playlist
 * and the segments of a media playlist. Pure.
 */

export interface MediaPlaylist {
  segments: Array<{ uri: string; durationSeconds: number }>;
  /** `#EXT-X-ENDLIST` present: ffmpeg writes it only when the ladder was finished. */
  ended: boolean;
}

/** The variant playlist URIs listed in a master playlist, in order. */
export function parseMasterPlaylist(text: string): string[] {
  const lines = playlistLines(text);
  const uris: string[] = [];
  lines.forEach((line, index) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const uri = lines.slice(index + 1).find((next) => !next.startsWith('#'));
    if (uri) uris.push(uri);
  });
  return uris;
}

/** The segments of a media (variant) playlist with their `#EXTINF` durations. */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const segments: MediaPlaylist['segments'] = [];
  let pendingDuration: number | null = null;
  let ended = false;
  for (const line of playlistLines(text)) {
    if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (!line.startsWith('#') && pendingDuration !== null) {
      segments.push({ uri: line, durationSeconds: Number.isFinite(pendingDuration) ? pendingDuration : 0 });
      pendingDuration = null;
    }
  }
  return { segments, ended };
}

/**
 * True for a URI that names a file in the playlist's own directory. Our ladders only use those, and
 * anything else (a scheme, an absolute path, "..") would not resolve once published.
 */
export function isSiblingFileUri(uri: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(uri) && !uri.includes('..');
}

function playlistLines(text: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (lines[0] !== '#EXTM3U') throw new Error('not an M3U8 playlist');
  return lines;
}
