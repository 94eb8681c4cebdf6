import { describe, expect, it } from 'vitest';
import { ImageSpecError, parseImageSpec, parseLoudness } from '../../src/cli/image-specs.js';
import { OutputSpecError, parseAudioSpec, parseOutputSpecs, parseVideoSpec } from '../../src/cli/output-specs.js';
import { parseStoryboardVtt, rewriteStoryboardForOffline } from '../../src/client/storyboard.js';

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
    expect(() => parseOutputSpecs([], [])).toThrow(/give at least one --audio, --video, --image or --waveform/);
  });

  it('adds images and the waveform after audio and video', () => {
    const outputs = parseOutputSpecs(['mp3'], ['web'], { image: ['poster', 'storyboard'], waveform: true });
    expect(outputs.map(({ flag }) => flag)).toEqual(['--audio mp3', '--video web', '--image poster', '--image storyboard', '--waveform']);
    expect(outputs.at(-1)!.output).toEqual({ waveform: {} });
    expect(parseOutputSpecs([], [], { image: ['thumbnails:4'] }).map(({ output }) => output)).toEqual([{ image: { kind: 'THUMBNAILS', count: 4 } }]);
  });

  it('normalises every audio output with --loudness, bare meaning -16 LUFS', () => {
    const bare = parseOutputSpecs(['mp3', 'opus'], ['hls'], { loudness: true });
    expect(bare.map(({ output }) => output)).toEqual([
      { audio: { format: 'MP3', loudness: { integratedLufs: -16 } } },
      { audio: { format: 'OPUS', loudness: { integratedLufs: -16 } } },
      { video: { preset: 'HLS' } },
    ]);
    expect(bare[0]!.flag).toBe('--audio mp3 --loudness -16');
    expect(parseOutputSpecs(['flac'], [], { loudness: '-23' })[0]!.output).toEqual({ audio: { format: 'FLAC', loudness: { integratedLufs: -23 } } });
    expect(parseOutputSpecs(['flac'], [], { loudness: false })[0]!.output).toEqual({ audio: { format: 'FLAC' } });
  });

  it('refuses --loudness without an audio output', () => {
    expect(() => parseOutputSpecs([], ['web'], { loudness: true })).toThrow(/--loudness normalises audio outputs: give at least one --audio/);
  });
});

describe('--image specs', () => {
  it('read a kind and its number', () => {
    expect(parseImageSpec('poster')).toEqual({ image: { kind: 'POSTER' } });
    expect(parseImageSpec('poster:12.5')).toEqual({ image: { kind: 'POSTER', atSeconds: 12.5 } });
    expect(parseImageSpec('poster:3s')).toEqual({ image: { kind: 'POSTER', atSeconds: 3 } });
    expect(parseImageSpec('thumbnails')).toEqual({ image: { kind: 'THUMBNAILS' } });
    expect(parseImageSpec('Thumbnails:20')).toEqual({ image: { kind: 'THUMBNAILS', count: 20 } });
    expect(parseImageSpec('storyboard')).toEqual({ image: { kind: 'STORYBOARD' } });
    expect(parseImageSpec('storyboard:40')).toEqual({ image: { kind: 'STORYBOARD', count: 40 } });
  });

  it.each([
    ['gif', /unknown kind "gif"; expected poster, thumbnails or storyboard/],
    ['thumbnails:many', /"many" is not a count like 12/],
    ['thumbnails:-1', /"-1" is not a count/],
    ['poster:ten', /"ten" is not a time in seconds like 12 or 12.5/],
    ['poster:1:2', /too many fields/],
  ])('reject %s with a message naming the problem', (spec, message) => {
    expect(() => parseImageSpec(spec)).toThrow(ImageSpecError);
    expect(() => parseImageSpec(spec)).toThrow(message);
  });
});

describe('--loudness values', () => {
  it('read LUFS, with or without the unit', () => {
    expect(parseLoudness(true)).toEqual({ integratedLufs: -16 });
    expect(parseLoudness('-23')).toEqual({ integratedLufs: -23 });
    expect(parseLoudness('-14.5LUFS')).toEqual({ integratedLufs: -14.5 });
  });

  it('refuse a file name taken as the value and a positive target', () => {
    expect(() => parseLoudness('talk.wav')).toThrow(/not a loudness in LUFS like -16 .*--loudness=-16/);
    expect(() => parseLoudness('16')).toThrow(/LUFS targets are negative; did you mean -16\?/);
  });
});

describe('storyboard WebVTT', () => {
  const vtt = [
    'WEBVTT',
    '',
    '00:00:00.000 --> 00:00:05.000',
    'https://store.example/jobs/x/storyboard/sheet.jpg?X-Amz-Signature=abc#xywh=0,0,160,90',
    '',
    '1',
    '00:00:05.000 --> 00:01:02.500',
    'https://store.example/jobs/x/storyboard/sheet.jpg?X-Amz-Signature=abc#xywh=160,0,160,90',
    '',
  ].join('\n');

  it('parses cues with their times and tiles', () => {
    expect(parseStoryboardVtt(vtt)).toEqual([
      { start: 0, end: 5, url: 'https://store.example/jobs/x/storyboard/sheet.jpg?X-Amz-Signature=abc', x: 0, y: 0, width: 160, height: 90 },
      { start: 5, end: 62.5, url: 'https://store.example/jobs/x/storyboard/sheet.jpg?X-Amz-Signature=abc', x: 160, y: 0, width: 160, height: 90 },
    ]);
  });

  it('points the cues at the local sheet for offline use', () => {
    const { text, sheets } = rewriteStoryboardForOffline(vtt);
    expect(sheets).toEqual([{ url: 'https://store.example/jobs/x/storyboard/sheet.jpg?X-Amz-Signature=abc', fileName: 'sheet.jpg' }]);
    expect(text.split('\n').filter((line) => line.includes('#xywh'))).toEqual(['sheet.jpg#xywh=0,0,160,90', 'sheet.jpg#xywh=160,0,160,90']);
  });
});
