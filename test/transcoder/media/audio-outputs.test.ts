import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioOutputSpec, JobSpec } from '../../../protocol/job-spec.js';
import {
  buildFfmpegArgs,
  probeFile,
  runPlan,
  verifyOutputs,
  type ProgressReport,
  type VerifiedRendition,
} from '../../../transcoder/src/media/index.js';
import { createMediaWorkspace, type FixtureName, type MediaWorkspace } from '../../support/media-fixtures.js';
import { audioOutput } from './sample-probes.js';

interface StreamFacts {
  codec_name: string;
  bit_rate?: string;
  sample_rate: string;
  channels: number;
  bits_per_sample: number;
  bits_per_raw_sample?: string;
}

/**
 * Reads a file back with plain ffprobe, independently of the code under test. The bitrate is the
 * stream's when the container states it (container overhead is large in a 2 s file), else the file's.
 */
async function ffprobe(file: string): Promise<{ stream: StreamFacts; bitrateKbps: number }> {
  const { stdout } = await execa('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const parsed = JSON.parse(stdout) as { streams: StreamFacts[]; format: { bit_rate: string } };
  const stream = parsed.streams[0] as StreamFacts;
  return { stream, bitrateKbps: Number(stream.bit_rate ?? parsed.format.bit_rate) / 1000 };
}

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

async function transcode(fixture: FixtureName, outputs: AudioOutputSpec[]) {
  const input = await workspace.fixture(fixture);
  const outputDir = await workspace.subdir(`out-${outputs.map((output) => output.name).join('-')}`);
  const probe = await probeFile(input);
  const spec: JobSpec = { outputs };
  const plan = buildFfmpegArgs(spec, probe, { input, outputDir });
  const reports: ProgressReport[] = [];
  await runPlan(plan, outputDir, { onProgress: (report) => reports.push(report) });
  const verified = await verifyOutputs(plan, outputDir, probe);
  const read = (name: string) => ffprobe(path.join(outputDir, verified.find((entry) => entry.name === name)?.fileName ?? ''));
  return { plan, verified, reports, read, outputDir };
}

describe('audio outputs from a 16-bit stereo 44.1 kHz WAV', () => {
  let result: Awaited<ReturnType<typeof transcode>>;
  beforeAll(async () => {
    result = await transcode('wav-16bit-stereo-44k.wav', [
      audioOutput({ format: 'MP3', name: 'mp3-192k', bitrateKbps: 192 }),
      audioOutput({ format: 'AAC', name: 'aac-128k', bitrateKbps: 128 }),
      audioOutput({ format: 'OPUS', name: 'opus-96k', bitrateKbps: 96 }),
      audioOutput({ format: 'FLAC', name: 'flac-24', bitDepth: 24 }),
      audioOutput({ format: 'WAV', name: 'wav' }),
    ]);
  });

  it('runs each audio output as its own ffmpeg process', () => {
    expect(result.plan.runs).toHaveLength(5);
  });

  it('writes MP3 at the requested constant bitrate, keeping 44.1 kHz stereo', async () => {
    const { stream, bitrateKbps } = await result.read('mp3-192k');
    expect([stream.codec_name, stream.sample_rate, stream.channels]).toEqual(['mp3', '44100', 2]);
    expect(bitrateKbps).toBeGreaterThan(192 * 0.9);
    expect(bitrateKbps).toBeLessThan(192 * 1.1);
  });

  it('writes AAC into an M4A whose index comes before the media data', async () => {
    const { stream, bitrateKbps } = await result.read('aac-128k');
    expect([stream.codec_name, stream.sample_rate, stream.channels]).toEqual(['aac', '44100', 2]);
    expect(bitrateKbps).toBeGreaterThan(128 * 0.9);
    expect(bitrateKbps).toBeLessThan(128 * 1.1);
    const bytes = await readFile(path.join(result.outputDir, 'aac-128k.m4a'));
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
  });

  it('writes Opus at 48 kHz, since Opus cannot carry 44.1 kHz', async () => {
    const { stream, bitrateKbps } = await result.read('opus-96k');
    expect([stream.codec_name, stream.sample_rate, stream.channels]).toEqual(['opus', '48000', 2]);
    expect(bitrateKbps).toBeGreaterThan(96 * 0.9);
    expect(bitrateKbps).toBeLessThan(96 * 1.1);
  });

  it('writes 24-bit FLAC when asked, even from a 16-bit source', async () => {
    const { stream } = await result.read('flac-24');
    expect([stream.codec_name, stream.sample_rate, stream.bits_per_raw_sample]).toEqual(['flac', '44100', '24']);
  });

  it('writes 16-bit WAV by default', async () => {
    const { stream } = await result.read('wav');
    expect([stream.codec_name, stream.bits_per_sample]).toEqual(['pcm_s16le', 16]);
  });

  it('verifies every rendition and lists its single file with size and content type', () => {
    const mp3 = result.verified.find((entry) => entry.name === 'mp3-192k') as VerifiedRendition;
    expect(mp3.files).toEqual([{ path: 'mp3-192k.mp3', sizeBytes: mp3.sizeBytes, contentType: 'audio/mpeg' }]);
    expect(mp3.durationSeconds).toBeCloseTo(3, 0);
    expect(result.verified.map((entry) => entry.contentType)).toEqual([
      'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/flac', 'audio/wav',
    ]);
  });

  it('reports progress that never decreases and stays below 100 until verification', () => {
    const percents = result.reports.map((report) => report.percent);
    expect(percents.length).toBeGreaterThan(0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(Math.max(...percents)).toBeLessThan(100);
  });
});

describe('audio outputs from a 24-bit stereo 48 kHz WAV', () => {
  let result: Awaited<ReturnType<typeof transcode>>;
  beforeAll(async () => {
    result = await transcode('wav-24bit-stereo-48k.wav', [
      audioOutput({ format: 'WAV', name: 'wav-24', bitDepth: 24 }),
      audioOutput({ format: 'WAV', name: 'wav-32-96k', bitDepth: 32, sampleRate: 96000 }),
      audioOutput({ format: 'FLAC', name: 'flac-16', bitDepth: 16 }),
      audioOutput({ format: 'MP3', name: 'mp3-mono', bitrateKbps: 64, sampleRate: 22050, channels: 1 }),
      audioOutput({ format: 'AAC', name: 'aac-mono', bitrateKbps: 64, sampleRate: 32000, channels: 1 }),
    ]);
  });

  it('keeps all 24 bits in a 24-bit WAV output', async () => {
    const { stream } = await result.read('wav-24');
    expect([stream.codec_name, stream.sample_rate, stream.bits_per_sample]).toEqual(['pcm_s24le', '48000', 24]);
  });

  it('writes 32-bit WAV at a requested 96 kHz', async () => {
    const { stream } = await result.read('wav-32-96k');
    expect([stream.codec_name, stream.sample_rate, stream.channels]).toEqual(['pcm_s32le', '96000', 2]);
  });

  it('reduces to 16-bit FLAC when asked', async () => {
    const { stream } = await result.read('flac-16');
    expect([stream.codec_name, stream.bits_per_raw_sample]).toEqual(['flac', '16']);
  });

  it('downmixes and resamples MP3 and AAC to the requested mono rate and bitrate', async () => {
    for (const [name, codec, rate] of [['mp3-mono', 'mp3', '22050'], ['aac-mono', 'aac', '32000']] as const) {
      const { stream, bitrateKbps } = await result.read(name);
      expect([stream.codec_name, stream.sample_rate, stream.channels]).toEqual([codec, rate, 1]);
      expect(bitrateKbps).toBeGreaterThan(64 * 0.9);
      expect(bitrateKbps).toBeLessThan(64 * 1.1);
    }
  });
});

describe('Opus at a rate below 48 kHz', () => {
  it('verifies an Opus output asked for 24 kHz, which every decoder reads back at 48 kHz', async () => {
    const result = await transcode('wav-16bit-stereo-44k.wav', [audioOutput({ format: 'OPUS', name: 'opus-24k', bitrateKbps: 48, sampleRate: 24000 })]);
    expect(result.verified.map((entry) => entry.name)).toEqual(['opus-24k']);
    const { stream } = await result.read('opus-24k');
    expect([stream.codec_name, stream.sample_rate]).toEqual(['opus', '48000']);
  });
});
