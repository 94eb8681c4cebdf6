import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageOutputSpec, JobSpec, OutputSpec, WaveformOutputSpec } from '../../../protocol/job-spec.js';
import {
  buildFfmpegArgs,
  measureSourceLoudness,
  probeFile,
  runPlan,
  verifyOutputs,
  type VerifiedRendition,
} from '../../../transcoder/src/media/index.js';
import { parseStoryboardVtt } from '../../../transcoder/src/media/storyboard.js';
import type { WaveformJson } from '../../../transcoder/src/media/waveform.js';
import { createMediaWorkspace, type MediaWorkspace } from '../../support/media-fixtures.js';
import { audioOutput, videoOutput } from './sample-probes.js';

/**
 * 10 s, 320x240 at 25 fps, whose colour says the time: red [0,2), green [2,4), blue [4,4.6), black
 * [4.6,5.4) (a dip to black, most of a ±0.5 s window around 5 s), blue [5.4,6), magenta [6,10). Mono 48 kHz audio: silence but for a 1 kHz
 * tone at 0.8 between 3 s and 4 s.
 */
const SEGMENTS: Array<[string, number]> = [['red', 2], ['green', 2], ['blue', 0.6], ['black', 0.8], ['blue', 0.6], ['magenta', 4]];
const RGB: Record<string, [number, number, number]> = {
  red: [255, 0, 0], green: [0, 128, 0], blue: [0, 0, 255], black: [0, 0, 0], magenta: [255, 0, 255],
};

async function makeTimedSource(dir: string): Promise<string> {
  const file = path.join(dir, 'timed.mp4');
  const inputs = SEGMENTS.flatMap(([colour, seconds]) => ['-f', 'lavfi', '-i', `color=c=${colour}:s=320x240:r=25:d=${seconds}`]);
  const labels = SEGMENTS.map((_, index) => `[${index}:v]`).join('');
  await execa('ffmpeg', [
    '-nostdin', '-v', 'error', ...inputs,
    '-f', 'lavfi', '-i', "aevalsrc='if(between(t,3,4),0.8*sin(2*PI*1000*t),0)':s=48000:d=10",
    '-filter_complex', `${labels}concat=n=${SEGMENTS.length}:v=1:a=0[v]`,
    '-map', '[v]', '-map', `${SEGMENTS.length}:a`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-b:a', '128k', '-y', file,
  ]);
  return file;
}

/** The mean colour of an image (or of one area of it), read back with plain ffmpeg. */
async function meanColour(file: string, crop?: { x: number; y: number; w: number; h: number }): Promise<[number, number, number]> {
  const filters = [crop ? `crop=${crop.w}:${crop.h}:${crop.x}:${crop.y}` : null, 'scale=1:1:flags=area', 'format=rgb24'].filter(Boolean).join(',');
  const { stdout } = await execa('ffmpeg', ['-v', 'error', '-i', file, '-vf', filters, '-frames:v', '1', '-f', 'rawvideo', '-'], { encoding: 'buffer' });
  return [stdout[0]!, stdout[1]!, stdout[2]!];
}

function expectColour(actual: [number, number, number], colour: string): void {
  const wanted = RGB[colour]!;
  const distance = Math.max(...actual.map((value, index) => Math.abs(value - wanted[index]!)));
  expect(distance, `${actual.join(',')} should be ${colour}`).toBeLessThan(40);
}

function image(overrides: Partial<ImageOutputSpec> & Pick<ImageOutputSpec, 'imageKind' | 'name'>): ImageOutputSpec {
  return { kind: 'image', format: 'JPEG', width: null, atSeconds: null, count: null, ...overrides };
}

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

async function transcode(input: string, outputs: OutputSpec[]) {
  const outputDir = await workspace.subdir(`out-${path.basename(input)}-${outputs.map((output) => output.name).join('-')}`);
  const probe = await probeFile(input);
  const spec: JobSpec = { outputs };
  const loudness = await measureSourceLoudness(spec, probe, { input });
  const plan = buildFfmpegArgs(spec, probe, { input, outputDir }, { loudness });
  await runPlan(plan, outputDir);
  const verified = await verifyOutputs(plan, outputDir, probe);
  const rendition = (name: string) => verified.find((entry) => entry.name === name) as VerifiedRendition;
  return { plan, verified, rendition, outputDir };
}

describe('posters, thumbnails, a storyboard and a waveform beside a video output, from a source whose colour says the time', () => {
  let result: Awaited<ReturnType<typeof transcode>>;
  beforeAll(async () => {
    const source = await makeTimedSource(workspace.dir);
    const waveform: WaveformOutputSpec = { kind: 'waveform', name: 'peaks', pixelsPerSecond: 10, bits: 8 };
    result = await transcode(source, [
      videoOutput({ preset: 'WEB_OPTIMIZED', name: 'web', qualities: ['P240'] }),
      image({ imageKind: 'POSTER', name: 'poster', atSeconds: 1 }),
      image({ imageKind: 'POSTER', name: 'dip', atSeconds: 5, format: 'PNG', width: 160 }),
      image({ imageKind: 'THUMBNAILS', name: 'thumb', count: 5, format: 'WEBP', width: 4000 }),
      image({ imageKind: 'STORYBOARD', name: 'board', count: 5, width: 80 }),
      waveform,
    ]);
  }, 120_000);

  it('decodes the source once: one ffmpeg process with one input', () => {
    expect(result.plan.runs).toHaveLength(1);
    expect(result.plan.runs[0]!.args.filter((arg) => arg === '-i')).toHaveLength(1);
  });

  it('takes the poster at the asked time', async () => {
    expect(result.rendition('poster')).toMatchObject({ fileName: 'poster.jpg', contentType: 'image/jpeg', width: 320, height: 240 });
    expectColour(await meanColour(path.join(result.outputDir, 'poster.jpg')), 'red');
  });

  it('takes a nearby frame when the asked one is black, and scales to the asked width', async () => {
    expect(result.rendition('dip')).toMatchObject({ fileName: 'dip.png', width: 160, height: 120 });
    expectColour(await meanColour(path.join(result.outputDir, 'dip.png')), 'blue');
  });

  it('spreads the thumbnails evenly, never wider than the source', async () => {
    const names = result.verified.filter((entry) => entry.name.startsWith('thumb-')).map((entry) => entry.name);
    expect(names).toEqual(['thumb-1', 'thumb-2', 'thumb-3', 'thumb-4', 'thumb-5']);
    // At 1, 3, 5, 7 and 9 s: the one at 5 s falls in the dip to black and takes the blue beside it.
    const colours = ['red', 'green', 'blue', 'magenta', 'magenta'];
    for (const [index, name] of names.entries()) {
      expect(result.rendition(name)).toMatchObject({ contentType: 'image/webp', width: 320, height: 240 });
      expectColour(await meanColour(path.join(result.outputDir, `${name}.webp`)), colours[index]!);
    }
  });

  it('makes a storyboard whose cues tile the duration and point inside the sheet, at the right frames', async () => {
    const board = result.rendition('board');
    expect(board.fileName).toBe('board/storyboard.vtt');
    expect(board.files.map((file) => file.path)).toEqual(['board/storyboard.vtt', 'board/sheet.jpg']);
    expect(board.storyboard).toMatchObject({ tiles: 5, columns: 5, rows: 1, tileWidth: 80, tileHeight: 60, sheetWidth: 400, sheetHeight: 60 });
    const cues = parseStoryboardVtt(await readFile(path.join(result.outputDir, 'board/storyboard.vtt'), 'utf8'));
    expect(cues[0]!.startSeconds).toBe(0);
    expect(cues.at(-1)!.endSeconds).toBeCloseTo(10, 1);
    for (const [index, cue] of cues.entries()) {
      if (index > 0) expect(cue.startSeconds).toBeCloseTo(cues[index - 1]!.endSeconds, 3);
      expect(cue.uri).toBe('sheet.jpg');
      expect(cue.x + cue.width).toBeLessThanOrEqual(400);
      expect(cue.y + cue.height).toBeLessThanOrEqual(60);
    }
    const sheet = path.join(result.outputDir, 'board/sheet.jpg');
    // Tiles from the middle of each 2 s interval: 1, 3, 5 (the dip: storyboards show what is there), 7, 9 s.
    const colours = ['red', 'green', 'black', 'magenta', 'magenta'];
    for (const [index, cue] of cues.entries()) {
      expectColour(await meanColour(sheet, { x: cue.x + 8, y: cue.y + 8, w: cue.width - 16, h: cue.height - 16 }), colours[index]!);
    }
  });

  it('draws peaks near zero over silence and high over the tone at 3-4 s', async () => {
    const peaks = JSON.parse(await readFile(path.join(result.outputDir, 'peaks.json'), 'utf8')) as WaveformJson;
    expect(peaks).toMatchObject({ version: 2, channels: 1, sample_rate: 48000, samples_per_pixel: 4800, bits: 8 });
    expect(peaks.length).toBeGreaterThanOrEqual(99);
    expect(peaks.data).toHaveLength(peaks.length * 2);
    const pixel = (index: number) => ({ min: peaks.data[index * 2]!, max: peaks.data[index * 2 + 1]! });
    for (let index = 2; index < 28; index += 1) {
      expect(Math.max(Math.abs(pixel(index).min), Math.abs(pixel(index).max)), `pixel ${index}`).toBeLessThanOrEqual(2);
    }
    for (let index = 31; index < 39; index += 1) {
      expect(pixel(index).max, `pixel ${index}`).toBeGreaterThan(80);
      expect(pixel(index).min, `pixel ${index}`).toBeLessThan(-80);
    }
    for (let index = 42; index < 95; index += 1) {
      expect(Math.abs(pixel(index).max), `pixel ${index}`).toBeLessThanOrEqual(2);
    }
  });
});

describe('a source that is black throughout', () => {
  it('still gets its poster and thumbnails: the exact frames, taken after the run', async () => {
    const source = path.join(workspace.dir, 'black.mp4');
    await execa('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=160x120:r=25:d=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', source]);
    const { plan, rendition, outputDir } = await transcode(source, [
      image({ imageKind: 'POSTER', name: 'poster' }),
      image({ imageKind: 'THUMBNAILS', name: 't', count: 2, format: 'PNG' }),
    ]);
    expect(plan.imageFallbacks).toHaveLength(3);
    expect(rendition('poster')).toMatchObject({ width: 160, height: 120 });
    expectColour(await meanColour(path.join(outputDir, 'poster.jpg')), 'black');
    expectColour(await meanColour(path.join(outputDir, 't-2.png')), 'black');
  }, 120_000);
});

describe('loudness normalisation in two passes', () => {
  async function noise(name: string, amplitude: number, colour: string): Promise<string> {
    const file = path.join(workspace.dir, name);
    await execa('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `anoisesrc=d=12:c=${colour}:r=48000:a=${amplitude}:seed=7`, '-ac', '2', '-c:a', 'pcm_s16le', '-y', file]);
    return file;
  }

  /** Measured independently of the code under test, with ebur128 (true peak on). */
  async function ebur128(file: string): Promise<{ integrated: number; truePeak: number }> {
    const { stderr } = await execa('ffmpeg', ['-nostdin', '-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-']);
    const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
    return {
      integrated: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]),
      truePeak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]),
    };
  }

  // Pink noise at 0.01 measures about -48 LUFS; white noise at full scale about -3 LUFS.
  for (const [label, amplitude, colour, format] of [['a quiet', 0.01, 'pink', 'MP3'], ['a loud', 1, 'white', 'FLAC']] as const) {
    it(`brings ${label} source to -16 LUFS with the true peak at most 0.5 dB above -1 dBTP, and reports it`, async () => {
      const source = await noise(`${label.replace(' ', '-')}.wav`, amplitude, colour);
      const before = await ebur128(source);
      expect(Math.abs(before.integrated + 16)).toBeGreaterThan(5);
      const { rendition, outputDir, plan } = await transcode(source, [
        audioOutput({ format, name: 'norm', loudness: { integratedLufs: -16, truePeakDb: -1 }, ...(format === 'MP3' ? { bitrateKbps: 192 } : {}) }),
      ]);
      const output = rendition('norm');
      const after = await ebur128(path.join(outputDir, output.fileName));
      expect(Math.abs(after.integrated + 16)).toBeLessThanOrEqual(1);
      expect(after.truePeak).toBeLessThanOrEqual(-0.5);
      expect(output.loudness).toBeDefined();
      expect(Math.abs(output.loudness!.integratedLufs - after.integrated)).toBeLessThan(0.5);
      expect(output.loudness!.truePeakDb).toBeLessThanOrEqual(-0.5);
      expect(plan.runs[0]!.args.join(' ')).toContain('linear=true');
    }, 120_000);
  }
});
