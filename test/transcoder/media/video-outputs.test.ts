import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec, OutputSpec } from '../../../protocol/job-spec.js';
import {
  buildFfmpegArgs,
  MediaError,
  probeFile,
  runPlan,
  verifyOutputs,
  type VerifiedRendition,
} from '../../../transcoder/src/media/index.js';
import { createMediaWorkspace, type MediaWorkspace } from '../../support/media-fixtures.js';
import { audioOutput, videoOutput } from './sample-probes.js';

interface VideoFacts {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  side_data_list?: unknown[];
}

/** Reads a file back with plain ffprobe, independently of the code under test. */
async function streamsOf(file: string, extra: string[] = []): Promise<VideoFacts[]> {
  const { stdout } = await execa('ffprobe', ['-v', 'error', ...extra, '-print_format', 'json', '-show_streams', file]);
  return (JSON.parse(stdout) as { streams: VideoFacts[] }).streams;
}

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

async function transcode(input: string, outputs: OutputSpec[]) {
  const outputDir = await workspace.subdir(`out-${path.basename(input)}-${outputs.length}`);
  const probe = await probeFile(input);
  const spec: JobSpec = { outputs };
  const plan = buildFfmpegArgs(spec, probe, { input, outputDir });
  await runPlan(plan, outputDir);
  const verified = await verifyOutputs(plan, outputDir, probe);
  const rendition = (name: string) => verified.find((entry) => entry.name === name) as VerifiedRendition;
  return { plan, verified, rendition, outputDir };
}

describe('one job with every video preset and an audio output, from a 640x360 H.264/AAC MP4', () => {
  let result: Awaited<ReturnType<typeof transcode>>;
  beforeAll(async () => {
    result = await transcode(await workspace.fixture('h264-aac-360p.mp4'), [
      videoOutput({ preset: 'WEB_OPTIMIZED', name: 'web', qualities: ['P720', 'P360', 'P240', 'P144'] }),
      videoOutput({ preset: 'HLS', name: 'hls', qualities: ['P360', 'P240', 'P144'] }),
      videoOutput({ preset: 'PASSTHROUGH', name: 'original' }),
      audioOutput({ format: 'MP3', name: 'mp3', bitrateKbps: 128 }),
    ]);
  });

  it('encodes everything in one ffmpeg process', () => {
    expect(result.plan.runs).toHaveLength(1);
    expect(result.verified.map((entry) => entry.name)).toEqual([
      'web-360p', 'web-240p', 'web-144p', 'hls', 'original', 'mp3',
    ]);
  });

  it('never upscales: 720p is dropped from a 360p source', () => {
    expect(result.plan.dropped).toEqual([expect.objectContaining({ name: 'web-720p', quality: 'P720' })]);
  });

  it('writes WEB_OPTIMIZED MP4s at exactly each height, even widths, H.264 yuv420p + AAC, index first', async () => {
    for (const [name, width, height] of [['web-360p', 640, 360], ['web-240p', 426, 240], ['web-144p', 256, 144]] as const) {
      const file = path.join(result.outputDir, `${name}.mp4`);
      const [video, audio] = await streamsOf(file);
      expect(video).toMatchObject({ codec_name: 'h264', width, height, pix_fmt: 'yuv420p' });
      expect(audio).toMatchObject({ codec_type: 'audio', codec_name: 'aac' });
      const bytes = await readFile(file);
      expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
    }
  });

  it('writes an HLS ladder whose master lists three variants with relative URIs', async () => {
    const master = await readFile(path.join(result.outputDir, 'hls', 'master.m3u8'), 'utf8');
    expect(master.match(/RESOLUTION=\d+x\d+/g)).toEqual(['RESOLUTION=640x360', 'RESOLUTION=426x240', 'RESOLUTION=256x144']);
    expect(master.split('\n').filter((line) => line.endsWith('.m3u8'))).toEqual(['360p.m3u8', '240p.m3u8', '144p.m3u8']);
  });

  it('writes finished variant playlists whose segments exist and probe at the right heights', async () => {
    for (const [label, height] of [['360p', 360], ['240p', 240], ['144p', 144]] as const) {
      const playlist = path.join(result.outputDir, 'hls', `${label}.m3u8`);
      const text = await readFile(playlist, 'utf8');
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(text).toContain('#EXT-X-ENDLIST');
      const streams = await streamsOf(playlist, ['-protocol_whitelist', 'file']);
      expect(streams.find((stream) => stream.codec_type === 'video')).toMatchObject({ codec_name: 'h264', height });
    }
  });

  it('lists every HLS file to upload, master first, with content types and a summed size', () => {
    const hls = result.rendition('hls');
    expect(hls.files[0]).toMatchObject({ path: 'hls/master.m3u8', contentType: 'application/vnd.apple.mpegurl' });
    expect(hls.files.filter((file) => file.path.endsWith('.m3u8'))).toHaveLength(4);
    expect(hls.files.filter((file) => file.contentType === 'video/mp2t').length).toBeGreaterThanOrEqual(3);
    expect(hls.sizeBytes).toBe(hls.files.reduce((sum, file) => sum + file.sizeBytes, 0));
    expect(hls.durationSeconds).toBeCloseTo(3, 0);
  });

  it('remuxes PASSTHROUGH without re-encoding', async () => {
    const [video, audio] = await streamsOf(path.join(result.outputDir, 'original.mp4'));
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(audio).toMatchObject({ codec_name: 'aac' });
    expect(result.rendition('original').durationSeconds).toBeCloseTo(3, 1);
  });
});

describe('other inputs', () => {
  it('transcodes a VP9/Opus WebM, and copies VP9/Opus into MP4 for PASSTHROUGH', async () => {
    const { rendition, plan, outputDir } = await transcode(await workspace.fixture('vp9-opus-180p.webm'), [
      videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P240', 'P144'] }),
      videoOutput({ preset: 'PASSTHROUGH', name: 'original' }),
    ]);
    expect(plan.dropped.map((dropped) => dropped.name)).toEqual(['web-240p']);
    expect(rendition('web-144p').files[0]?.path).toBe('web-144p.mp4');
    const [video, audio] = await streamsOf(path.join(outputDir, 'original.mp4'));
    expect([video?.codec_name, audio?.codec_name]).toEqual(['vp9', 'opus']);
  });

  it('encodes a rotated phone video upright at the requested height', async () => {
    const rotated = path.join(workspace.dir, 'rotated.mp4');
    const source = await workspace.fixture('h264-aac-360p.mp4');
    await execa('ffmpeg', ['-v', 'error', '-i', source, '-c', 'copy', '-metadata:s:v', 'rotate=90', '-y', rotated]);
    const { outputDir } = await transcode(rotated, [videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P360'] })]);
    const [video] = await streamsOf(path.join(outputDir, 'web-360p.mp4'));
    expect(video).toMatchObject({ width: 202, height: 360 });
    expect(video?.side_data_list).toBeUndefined();
  });

  it('gives an odd-sized source an even width', async () => {
    const { outputDir } = await transcode(await workspace.fixture('ffv1-odd-size.mkv'), [
      videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P144'] }),
    ]);
    const [video] = await streamsOf(path.join(outputDir, 'web-144p.mp4'));
    expect(video).toMatchObject({ width: 256, height: 144, pix_fmt: 'yuv420p' });
  });

  it('produces video outputs without audio from a video-only source', async () => {
    const { outputDir, rendition } = await transcode(await workspace.fixture('video-only-240p.mp4'), [
      videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P144'] }),
      videoOutput({ preset: 'HLS', qualities: ['P240', 'P144'] }),
    ]);
    expect((await streamsOf(path.join(outputDir, 'web-144p.mp4'))).map((stream) => stream.codec_type)).toEqual(['video']);
    expect(rendition('hls').files.filter((file) => file.path.endsWith('.m3u8'))).toHaveLength(3);
  });

  it('refuses PASSTHROUGH of VP8/Vorbis before running ffmpeg, saying what to use instead', async () => {
    const input = await workspace.fixture('vp8-vorbis-180p.webm');
    const probe = await probeFile(input);
    const spec: JobSpec = { outputs: [videoOutput({ preset: 'PASSTHROUGH' })] };
    const attempt = () => buildFfmpegArgs(spec, probe, { input, outputDir: workspace.dir });
    expect(attempt).toThrow(MediaError);
    expect(attempt).toThrow(
      'PASSTHROUGH copies the streams into MP4 without re-encoding, but VP8 video and Vorbis audio cannot be ' +
        'stored in MP4. Use the WEB_OPTIMIZED preset to convert it.',
    );
  });
});
