import { describe, expect, it } from 'vitest';
import { isSiblingFileUri, parseMasterPlaylist, parseMediaPlaylist } from '../../../transcoder/src/media/hls-playlist.js';
import { redactSecrets, StderrTail } from '../../../transcoder/src/media/stderr-tail.js';

describe('HLS playlist reading', () => {
  it('lists the variant URIs of a master playlist', () => {
    const master = [
      '#EXTM3U', '#EXT-X-VERSION:6',
      '#EXT-X-STREAM-INF:BANDWIDTH=985600,RESOLUTION=640x360', '360p.m3u8', '',
      '#EXT-X-STREAM-INF:BANDWIDTH=380600', '144p.m3u8',
    ].join('\n');
    expect(parseMasterPlaylist(master)).toEqual(['360p.m3u8', '144p.m3u8']);
  });

  it('lists the segments of a media playlist and whether it is finished', () => {
    const media = [
      '#EXTM3U', '#EXT-X-TARGETDURATION:6',
      '#EXTINF:6.000000,', '360p-00000.ts',
      '#EXTINF:2.5,', '360p-00001.ts',
      '#EXT-X-ENDLIST', '',
    ].join('\n');
    expect(parseMediaPlaylist(media)).toEqual({
      segments: [
        { uri: '360p-00000.ts', durationSeconds: 6 },
        { uri: '360p-00001.ts', durationSeconds: 2.5 },
      ],
      ended: true,
    });
    expect(parseMediaPlaylist(media.replace('#EXT-X-ENDLIST\n', '')).ended).toBe(false);
  });

  it('refuses a file that is not a playlist', () => {
    expect(() => parseMediaPlaylist('hello')).toThrow('not an M3U8 playlist');
  });

  it('accepts only URIs naming a file next to the playlist', () => {
    expect(isSiblingFileUri('360p-00000.ts')).toBe(true);
    for (const uri of ['../other/input.ts', '/etc/passwd', 'http://127.0.0.1/x.ts', 'file:x.ts', 'sub/x.ts', '..ts']) {
      expect(isSiblingFileUri(uri)).toBe(false);
    }
  });
});

describe('stderr redaction', () => {
  it('removes URLs, bearer tokens, labelled secrets and long opaque strings, but keeps paths', () => {
    const line =
      'https://r2.example.com/b/in?X-Amz-Credential=AKIA%2F: 403 Forbidden; Bearer eyJhbGciOi.x.y api_key=abc ' +
      'id 0123456789abcdef0123456789abcdef01 in /tmp/ffly-job/out/web-720p.mp4';
    expect(redactSecrets(line)).toBe(
      '[redacted-url]: 403 Forbidden; Bearer [redacted] api_key=[redacted] id [redacted] in /tmp/ffly-job/out/web-720p.mp4',
    );
  });

  it('keeps only the last 4 KB, starting at a line boundary', () => {
    const tail = new StderrTail();
    for (let line = 0; line < 1000; line += 1) tail.push(`frame ${line} is fine\n`);
    tail.push('the real error\n');
    expect(tail.text().length).toBeLessThanOrEqual(4096);
    expect(tail.text().startsWith('frame ')).toBe(true);
    expect(tail.lastLine()).toBe('the real error');
  });
});
