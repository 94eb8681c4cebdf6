import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/jobs/errors.js';
import { sanitizeFilename, validateCreateJobInput, type CreateJobInput } from '../../src/jobs/create-input.js';

const limits = { maxUploadBytes: 5 * 1024 ** 3 };
const source = { filename: 'song.wav', contentType: 'audio/wav', sizeBytes: 1000 };

function validate(patch: Partial<CreateJobInput>) {
  return validateCreateJobInput({ source, outputs: [{ audio: { format: 'MP3' } }], ...patch }, limits);
}

function expectError(result: unknown, field: string, message: RegExp) {
  expect(result).toBeInstanceOf(ValidationError);
  expect((result as ValidationError).field).toBe(field);
  expect((result as ValidationError).message).toMatch(message);
}

describe('createJob input validation', () => {
  it('fills defaults: MP3 at 192 kbps named "mp3-192k", priority 0', () => {
    const result = validate({});
    expect(result).not.toBeInstanceOf(ValidationError);
    if (result instanceof ValidationError) return;
    expect(result.spec.outputs).toEqual([
      { kind: 'audio', name: 'mp3-192k', format: 'MP3', bitrateKbps: 192, sampleRate: null, channels: null, bitDepth: null },
    ]);
    expect(result.priority).toBe(0);
  });

  it('requires at least one output', () => {
    expectError(validate({ outputs: [] }), 'input.outputs', /at least one output/);
  });

  it('allows at most ten outputs', () => {
    const outputs = Array.from({ length: 11 }, () => ({ audio: { format: 'MP3' as const } }));
    expectError(validate({ outputs }), 'input.outputs', /at most 10/);
  });

  it('derives default names that say what each output is', () => {
    const result = validate({
      outputs: [
        { audio: { format: 'MP3' } },
        { audio: { format: 'MP3', sampleRate: 22050 } },
        { audio: { format: 'FLAC' } },
        { audio: { format: 'FLAC', bitDepth: 24 } },
        { audio: { format: 'WAV', sampleRate: 48000, channels: 1 } },
        { audio: { format: 'AAC', bitrateKbps: 256, sampleRate: 44100, channels: 6 } },
      ],
    });
    if (result instanceof ValidationError) throw result;
    expect(result.spec.outputs.map((output) => output.name)).toEqual([
      'mp3-192k',
      'mp3-192k-22k05',
      'flac',
      'flac-24bit',
      'wav-48k-mono',
      'aac-256k-44k1-6ch',
    ]);
  });

  it('keeps derived default names unique when two outputs are alike', () => {
    const result = validate({ outputs: [{ audio: { format: 'MP3' } }, { audio: { format: 'MP3' } }, { audio: { format: 'MP3', name: 'mp3-192k-2' } }] });
    if (result instanceof ValidationError) throw result;
    expect(result.spec.outputs.map((output) => output.name)).toEqual(['mp3-192k', 'mp3-192k-3', 'mp3-192k-2']);
  });

  it('refuses two outputs with the same given name', () => {
    const outputs = [{ audio: { format: 'MP3' as const, name: 'a' } }, { audio: { format: 'AAC' as const, name: 'a' } }];
    expectError(validate({ outputs }), 'input.outputs.1.audio.name', /used by another output/);
  });

  it('refuses a name that is not lowercase letters, digits and hyphens', () => {
    expectError(validate({ outputs: [{ audio: { format: 'MP3', name: '../etc' } }] }), 'input.outputs.0.audio.name', /lowercase/);
  });

  it('refuses a WEB_OPTIMIZED rendition name that collides with another output', () => {
    const outputs = [{ video: { preset: 'WEB_OPTIMIZED' as const, name: 'web', qualities: ['P720' as const] } }, { audio: { format: 'MP3' as const, name: 'web-720p' } }];
    expectError(validate({ outputs }), 'input.outputs.1.audio.name', /already uses/);
  });

  it('refuses an output with both audio and video', () => {
    expectError(validate({ outputs: [{ audio: { format: 'MP3' }, video: { preset: 'HLS' } }] }), 'input.outputs.0', /exactly one/);
  });

  it.each([
    ['MP3', 44100, true],
    ['MP3', 96000, false],
    ['OPUS', 48000, true],
    ['OPUS', 44100, false],
    ['AAC', 96000, true],
    ['FLAC', 192000, true],
    ['WAV', 12345, false],
  ] as const)('%s at %i Hz is accepted: %s', (format, sampleRate, ok) => {
    const result = validate({ outputs: [{ audio: { format, sampleRate } }] });
    if (ok) expect(result).not.toBeInstanceOf(ValidationError);
    else expectError(result, 'input.outputs.0.audio.sampleRate', new RegExp(`not supported by ${format}`));
  });

  it.each([
    ['MP3', 31, false],
    ['MP3', 320, true],
    ['MP3', 321, false],
    ['AAC', 256, true],
    ['OPUS', 5, false],
    ['OPUS', 510, true],
  ] as const)('%s at %i kbps is accepted: %s', (format, bitrateKbps, ok) => {
    const result = validate({ outputs: [{ audio: { format, bitrateKbps } }] });
    if (ok) expect(result).not.toBeInstanceOf(ValidationError);
    else expectError(result, 'input.outputs.0.audio.bitrateKbps', /must be from/);
  });

  it('refuses a bitrate for a lossless format', () => {
    expectError(validate({ outputs: [{ audio: { format: 'FLAC', bitrateKbps: 320 } }] }), 'input.outputs.0.audio.bitrateKbps', /lossy formats only/);
  });

  it('refuses a bit depth for anything but WAV and FLAC', () => {
    expectError(validate({ outputs: [{ audio: { format: 'AAC', bitDepth: 24 } }] }), 'input.outputs.0.audio.bitDepth', /WAV and FLAC only/);
  });

  it.each([
    ['WAV', 32, true],
    ['FLAC', 32, false],
    ['FLAC', 24, true],
    ['WAV', 8, false],
  ] as const)('%s at %i bits is accepted: %s', (format, bitDepth, ok) => {
    const result = validate({ outputs: [{ audio: { format, bitDepth } }] });
    if (ok) expect(result).not.toBeInstanceOf(ValidationError);
    else expectError(result, 'input.outputs.0.audio.bitDepth', /must be one of/);
  });

  it('allows 1 to 8 channels, and at most 2 for MP3', () => {
    expectError(validate({ outputs: [{ audio: { format: 'AAC', channels: 9 } }] }), 'input.outputs.0.audio.channels', /from 1 to 8/);
    expectError(validate({ outputs: [{ audio: { format: 'AAC', channels: 0 } }] }), 'input.outputs.0.audio.channels', /from 1 to 8/);
    expectError(validate({ outputs: [{ audio: { format: 'MP3', channels: 6 } }] }), 'input.outputs.0.audio.channels', /from 1 to 2 for MP3/);
    expect(validate({ outputs: [{ audio: { format: 'OPUS', channels: 6 } }] })).not.toBeInstanceOf(ValidationError);
  });

  it('sorts video qualities from highest to lowest and defaults them', () => {
    const result = validate({ outputs: [{ video: { preset: 'HLS', qualities: ['P360', 'P1080'] } }, { video: { preset: 'WEB_OPTIMIZED' } }] });
    if (result instanceof ValidationError) throw result;
    expect(result.spec.outputs).toEqual([
      { kind: 'video', name: 'hls', preset: 'HLS', qualities: ['P1080', 'P360'] },
      { kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities: ['P720'] },
    ]);
  });

  it('refuses qualities for PASSTHROUGH, an empty list, and a repeated quality', () => {
    expectError(validate({ outputs: [{ video: { preset: 'PASSTHROUGH', qualities: ['P720'] } }] }), 'input.outputs.0.video.qualities', /does not apply/);
    expectError(validate({ outputs: [{ video: { preset: 'HLS', qualities: [] } }] }), 'input.outputs.0.video.qualities', /at least one/);
    expectError(validate({ outputs: [{ video: { preset: 'HLS', qualities: ['P720', 'P720'] } }] }), 'input.outputs.0.video.qualities', /twice/);
  });

  it('refuses a size above MAX_UPLOAD_BYTES, and an empty file', () => {
    const small = validateCreateJobInput({ source: { ...source, sizeBytes: 2000 }, outputs: [{ audio: { format: 'MP3' } }] }, { maxUploadBytes: 1000 });
    expectError(small, 'input.source.sizeBytes', /the most this service accepts is 1000 bytes/);
    expectError(validate({ source: { ...source, sizeBytes: 0 } }), 'input.source.sizeBytes', /at least 1 byte/);
  });

  it('refuses a content type that is not audio or video', () => {
    expectError(validate({ source: { ...source, contentType: 'text/html' } }), 'input.source.contentType', /audio\/\* or video\/\*/);
  });

  it('refuses a webhook URL that is not http or https', () => {
    expectError(validate({ webhookUrl: 'file:///etc/passwd' }), 'input.webhookUrl', /http or https/);
  });

  it('refuses an out-of-range priority and an idempotency key with spaces', () => {
    expectError(validate({ priority: 5000 }), 'input.priority', /-1000 to 1000/);
    expectError(validate({ idempotencyKey: 'a b' }), 'input.idempotencyKey', /printable/);
  });

  it('sanitises file names into safe object names', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('My Song (final).wav')).toBe('My_Song_final_.wav');
    expect(sanitizeFilename('C:\\Users\\me\\clip.mp4')).toBe('clip.mp4');
    expect(sanitizeFilename('...')).toBe('source');
    expect(sanitizeFilename('Ünïcødé.flac')).toBe('Unic_de.flac');
  });
});
