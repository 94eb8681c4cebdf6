import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFile } from '../../../transcoder/src/media/index.js';
import { createMediaWorkspace, type MediaWorkspace } from '../../support/media-fixtures.js';

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

describe('probeFile', () => {
  it('reads a 16-bit stereo WAV as 44.1 kHz, two channels, 16 bits and no video', async () => {
    const probe = await probeFile(await workspace.fixture('wav-16bit-stereo-44k.wav'));
    expect(probe.formatName).toBe('wav');
    expect(probe.video).toBeNull();
    expect(probe.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 44100, channels: 2, bitDepth: 16 });
    expect(probe.durationSeconds).toBeCloseTo(3, 1);
    expect(probe.sizeBytes).toBeGreaterThan(0);
  });

  it('reads the bit depth of a 24-bit WAV', async () => {
    const probe = await probeFile(await workspace.fixture('wav-24bit-stereo-48k.wav'));
    expect(probe.audio).toMatchObject({ codec: 'pcm_s24le', sampleRate: 48000, channels: 2, bitDepth: 24 });
  });

  it('reads an H.264/AAC MP4: size, frame rate, pixel format and duration', async () => {
    const probe = await probeFile(await workspace.fixture('h264-aac-360p.mp4'));
    expect(probe.formatName).toContain('mp4');
    expect(probe.video).toMatchObject({ codec: 'h264', width: 640, height: 360, pixelFormat: 'yuv420p', rotation: 0 });
    expect(probe.video?.frameRate).toBeCloseTo(30, 3);
    expect(probe.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 2, bitDepth: null });
    expect(probe.durationSeconds).toBeCloseTo(3, 1);
  });

  it('reads a VP9/Opus WebM', async () => {
    const probe = await probeFile(await workspace.fixture('vp9-opus-180p.webm'));
    expect(probe.formatName).toBe('matroska,webm');
    expect(probe.video).toMatchObject({ codec: 'vp9', width: 320, height: 180 });
    expect(probe.audio).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 2 });
    expect(probe.durationSeconds).toBeCloseTo(3, 0);
  });

  it('does not mistake an MP3 cover image for a video stream', async () => {
    const probe = await probeFile(await workspace.fixture('mp3-with-cover.mp3'));
    expect(probe.video).toBeNull();
    expect(probe.audio).toMatchObject({ codec: 'mp3', channels: 1, streamIndex: 0 });
  });

  it('reports a video-only file without audio', async () => {
    const probe = await probeFile(await workspace.fixture('video-only-240p.mp4'));
    expect(probe.audio).toBeNull();
    expect(probe.video).toMatchObject({ width: 426, height: 240 });
  });

  it('keeps odd dimensions as they are', async () => {
    const probe = await probeFile(await workspace.fixture('ffv1-odd-size.mkv'));
    expect(probe.video).toMatchObject({ codec: 'ffv1', width: 321, height: 181 });
  });

  it('reports a rotated phone video by its displayed size and its rotation', async () => {
    const rotated = path.join(workspace.dir, 'rotated.mp4');
    const source = await workspace.fixture('h264-aac-360p.mp4');
    await execa('ffmpeg', ['-v', 'error', '-i', source, '-c', 'copy', '-metadata:s:v', 'rotate=90', '-y', rotated]);
    const probe = await probeFile(rotated);
    expect(probe.video).toMatchObject({ width: 360, height: 640 });
    expect([90, 270]).toContain(probe.video?.rotation);
  });
});
