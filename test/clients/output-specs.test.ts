import { describe, expect, it } from 'vitest';
import { OutputSpecError, parseAudioSpec, parseOutputSpecs, parseVideoSpec } from '../../src/cli/output-specs.js';

describe('--audio specs', () => {
  it('read format, bitrate, sample rate and channels', () => {
    expect(parseAudioSpec('mp3:192k:44100:2')).toEqual({ audio: { format: 'MP3', bitrateKbps: 192, sampleRate: 44100, channels: 2 } });
  });

  it('leave everything after the format to the API defaults', () => {
    expect(parseAudioSpec('OPUS')).toEqual({ audio: { format: 'OPUS' } });
  });

  it('take a bit depth instead of a bitrate, and skip empty fields', () => {
    expect(parseAudioSpec('flac:24bit')).toEqual({ audio: { format: 'FLAC', bitDepth: 24 } });
    expect(parseAudioSpec('wav::48000:1')).toEqual({ audio: { format: 'WAV', sampleRate: 48000, channels: 1 } });
  });

  it.each([
    ['ogg:128k', /unknown format "ogg"; expected one of mp3, aac, opus, flac, wav/],
    ['mp3:192kbps', /"192kbps" is neither a bitrate like 192k nor a bit depth like 24bit/],
    ['mp3:192k:44.1k', /sample rate "44.1k" is not a rate in Hz like 44100/],
    ['mp3:192k:44100:9', /channels "9" is not a count from 1 to 8/],
    ['mp3:192k:44100:2:extra', /too many fields/],
  ])('reject %s with a message naming the problem', (spec, message) => {
    expect(() => parseAudioSpec(spec)).toThrow(OutputSpecError);
    expect(() => parseAudioSpec(spec)).toThrow(message);
  });
});

describe('--video specs', () => {
  it('read a preset and its qualities in order', () => {
    expect(parseVideoSpec('hls:720p,360p')).toEqual({ video: { preset: 'HLS', qualities: ['P720', 'P360'] } });
    expect(parseVideoSpec('web:1080')).toEqual({ video: { preset: 'WEB_OPTIMIZED', qualities: ['P1080'] } });
  });

  it('leave the qualities to the preset default when none are given', () => {
    expect(parseVideoSpec('passthrough')).toEqual({ video: { preset: 'PASSTHROUGH' } });
    expect(parseVideoSpec('hls')).toEqual({ video: { preset: 'HLS' } });
  });

  it.each([
    ['dash:720p', /unknown preset "dash"/],
    ['hls:720p,4k', /unknown quality "4k"; expected 144p, 240p, 360p, 480p, 720p, 1080p/],
    ['hls:', /unknown quality ""/],
    ['hls:720p,720p', /quality 720p is listed twice/],
    ['passthrough:720p', /passthrough keeps the source as it is and takes no qualities/],
  ])('reject %s with a message naming the problem', (spec, message) => {
    expect(() => parseVideoSpec(spec)).toThrow(message);
  });
});

describe('the output list', () => {
  it('puts audio outputs first, each with the flag it came from', () => {
    expect(parseOutputSpecs(['mp3'], ['hls:360p']).map(({ flag }) => flag)).toEqual(['--audio mp3', '--video hls:360p']);
  });

  it('needs at least one output', () => {
    expect(() => parseOutputSpecs([], [])).toThrow(/give at least one --audio or --video/);
  });
});
