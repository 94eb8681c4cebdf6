import { describe, expect, it } from 'vitest';
import { localFileName, rewritePlaylistForOffline, safeFileName } from '../../src/client/m3u8.js';

const MASTER_URL = 'https://api.example.com/hls/token/master.m3u8';

describe('taking a playlist offline', () => {
  it('resolves variant URIs against the playlist URL and replaces them with local names', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n';
    const { text, references } = rewritePlaylistForOffline(master, MASTER_URL, (reference) => localFileName(reference.url, 'x'));
    expect(references).toEqual([{ url: 'https://api.example.com/hls/token/360p.m3u8', isPlaylist: true }]);
    expect(text).toBe('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n');
  });

  it('rewrites absolute segment URLs and URI attributes, keeping the tags', () => {
    const media = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="https://s3.example.com/b/jobs/1/hls/init.mp4?X-Amz-Signature=abc"',
      '#EXTINF:4.0,',
      'https://s3.example.com/b/jobs/1/hls/360p-00000.ts?X-Amz-Signature=def',
      '#EXT-X-ENDLIST',
    ].join('\n');
    const { text, references } = rewritePlaylistForOffline(media, MASTER_URL, (reference) => localFileName(reference.url, 'x'));
    expect(text).toBe(['#EXTM3U', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:4.0,', '360p-00000.ts', '#EXT-X-ENDLIST'].join('\n'));
    expect(references.map((reference) => reference.isPlaylist)).toEqual([false, false]);
  });
});

describe('local file names', () => {
  it('cannot climb out of the output directory or hide as dot files', () => {
    expect(localFileName('https://x.example/a/..%2F..%2Fetc%2Fpasswd', 'f')).toBe('etc_passwd');
    expect(safeFileName('../secret', 'f')).toBe('secret');
    expect(safeFileName('.hidden', 'f')).toBe('hidden');
    expect(safeFileName('', 'fallback')).toBe('fallback');
  });
});
