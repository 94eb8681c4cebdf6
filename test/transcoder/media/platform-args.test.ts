import { describe, expect, it } from 'vitest';
import { expandRenditions, type ImageOutputSpec, type JobSpec, type WaveformOutputSpec } from '../../../protocol/job-spec.js';
import { buildFfmpegArgs, MediaError } from '../../../transcoder/src/media/index.js';
import { fitImageSize } from '../../../transcoder/src/media/image-args.js';
import { linearImpossibleReason, normaliseFilter, parseLoudnormJson, type SourceLoudness } from '../../../transcoder/src/media/loudness.js';
import { loudnessKey } from '../../../transcoder/src/media/plan.js';
import { parseStoryboardVtt, storyboardCues, storyboardGeometry, vttTime, writeWebVtt } from '../../../transcoder/src/media/storyboard.js';
import { WaveformBuilder, waveformProblem } from '../../../transcoder/src/media/waveform.js';
import { audioOutput, sampleProbe, videoOutput } from './sample-probes.js';

const paths = { input: '/jobs/j1/source', outputDir: '/jobs/j1/out' };
const image = (overrides: Partial<ImageOutputSpec> & Pick<ImageOutputSpec, 'imageKind' | 'name'>): ImageOutputSpec => ({
  kind: 'image', format: 'JPEG', width: null, atSeconds: null, count: null, ...overrides,
});
const waveform: WaveformOutputSpec = { kind: 'waveform', name: 'peaks', pixelsPerSecond: 20, bits: 8 };
const valueAfter = (args: readonly string[], flag: string) => args[args.indexOf(flag) + 1]!;

describe('image and waveform outputs in the job plan', () => {
  it('hangs every image off the video split of the one process, and pipes the waveform PCM out of it', () => {
    const spec: JobSpec = {
      outputs: [
        videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P720'] }),
        image({ imageKind: 'POSTER', name: 'poster' }),
        image({ imageKind: 'THUMBNAILS', name: 'thumb', count: 3 }),
        image({ imageKind: 'STORYBOARD', name: 'board' }),
        waveform,
      ],
    };
    const plan = buildFfmpegArgs(spec, sampleProbe(), paths);
    expect(plan.runs).toHaveLength(1);
    const run = plan.runs[0]!;
    expect(run.args.filter((arg) => arg === '-i')).toHaveLength(1);
    const graph = valueAfter(run.args, '-filter_complex');
    // One decode: 1 encode + 1 poster + 3 thumbnails + 1 storyboard from one split.
    expect(graph).toMatch(/^\[0:0\](fps=[^,]+,)?split=6/);
    expect(graph.match(/thumbnail=n=/g)).toHaveLength(4);
    expect(graph).toContain('tile=10x2:nb_frames=12');
    expect(run.args.slice(-2)).toEqual(['s16le', 'pipe:3']);
    expect(run.pcm).toEqual({ sampleRate: 48000, channels: 2, waveforms: [{ fileName: 'peaks.json', pixelsPerSecond: 20, bits: 8 }] });
    expect(plan.renditions.map((rendition) => rendition.fileName)).toEqual([
      'web-720p.mp4', 'poster.jpg', 'thumb-1.jpg', 'thumb-2.jpg', 'thumb-3.jpg', 'board/storyboard.vtt', 'peaks.json',
    ]);
    expect(plan.renditions.map((rendition) => rendition.name)).toEqual(expandRenditions(spec).map((rendition) => rendition.name));
    expect(plan.directories).toContain('board');
    expect(plan.textFiles.map((file) => file.path)).toEqual(['board/storyboard.vtt']);
    expect(plan.imageFallbacks.map((fallback) => fallback.fileName)).toEqual(['poster.jpg', 'thumb-1.jpg', 'thumb-2.jpg', 'thumb-3.jpg']);
  });

  it('takes the poster 10 % in by default, in a window around it, and spaces thumbnails evenly', () => {
    const plan = buildFfmpegArgs(
      { outputs: [image({ imageKind: 'POSTER', name: 'poster' }), image({ imageKind: 'THUMBNAILS', name: 't', count: 4 })] },
      sampleProbe({ durationSeconds: 60 }),
      paths,
    );
    const graph = valueAfter(plan.runs[0]!.args, '-filter_complex');
    expect(graph).toContain('trim=start=5.500:end=6.500');
    // 60 s in 4: the middles of each quarter, 7.5, 22.5, 37.5, 52.5 s.
    for (const at of [7.5, 22.5, 37.5, 52.5]) expect(graph).toContain(`trim=start=${(at - 0.5).toFixed(3)}:end=${(at + 0.5).toFixed(3)}`);
    expect(valueAfter(plan.imageFallbacks[0]!.args, '-ss')).toBe('6.000');
  });

  it('plans an image-only job on a video source as one process without encoding video', () => {
    const plan = buildFfmpegArgs({ outputs: [image({ imageKind: 'POSTER', name: 'p', format: 'WEBP', width: 640 })] }, sampleProbe(), paths);
    expect(plan.runs).toHaveLength(1);
    expect(plan.runs[0]!.args).not.toContain('libx264');
    expect(plan.runs[0]!.args).toContain('libwebp');
    expect(plan.renditions[0]).toMatchObject({ fileName: 'p.webp', contentType: 'image/webp', expected: { kind: 'image', image: { width: 640, height: 360 } } });
  });

  it('adds the waveform to the first audio output\'s process of an audio-only job, or gives it its own', () => {
    const both = buildFfmpegArgs({ outputs: [audioOutput({ format: 'MP3' }), audioOutput({ format: 'FLAC' }), waveform] }, sampleProbe({ video: null }), paths);
    expect(both.runs).toHaveLength(2);
    expect(both.runs[0]!.pcm).toBeDefined();
    expect(both.runs[1]!.pcm).toBeUndefined();
    const alone = buildFfmpegArgs({ outputs: [waveform] }, sampleProbe({ video: null, audio: { channels: 6 } }), paths);
    expect(alone.runs).toHaveLength(1);
    expect(alone.runs[0]!.pcm).toMatchObject({ channels: 2 });
  });

  it('refuses images without video and waveforms without audio', () => {
    expect(() => buildFfmpegArgs({ outputs: [image({ imageKind: 'POSTER', name: 'p' })] }, sampleProbe({ video: null }), paths)).toThrow(MediaError);
    expect(() => buildFfmpegArgs({ outputs: [waveform] }, sampleProbe({ audio: null }), paths)).toThrow(/no audio track/);
  });

  it('never makes an image wider than the source, keeps the aspect ratio, and keeps sizes even', () => {
    expect(fitImageSize(null, { width: 1920, height: 1080 })).toEqual({ width: 1920, height: 1080 });
    expect(fitImageSize(4000, { width: 1920, height: 1080 })).toEqual({ width: 1920, height: 1080 });
    expect(fitImageSize(321, { width: 1920, height: 1080 })).toEqual({ width: 320, height: 180 });
    expect(fitImageSize(null, { width: 321, height: 181 })).toEqual({ width: 320, height: 180 });
  });
});

describe('storyboards', () => {
  it('defaults to one tile per 5 s, at most 400, on a grid of at most 10 columns', () => {
    expect(storyboardGeometry(60, null, 240, 136)).toMatchObject({ tiles: 12, columns: 10, rows: 2, sheetWidth: 2400, sheetHeight: 272, intervalSeconds: 5 });
    expect(storyboardGeometry(3 * 3600, null, 160, 90)).toMatchObject({ tiles: 400, columns: 10, rows: 40 });
    expect(storyboardGeometry(2, null, 160, 90)).toMatchObject({ tiles: 1, columns: 1, rows: 1 });
    expect(storyboardGeometry(3600, 400, 1920, 1080)).toHaveProperty('problem');
  });

  it('writes cues that tile the duration and point inside the sheet, and reads them back', () => {
    const geometry = storyboardGeometry(61, 7, 100, 50);
    if ('problem' in geometry) throw new Error(geometry.problem);
    const cues = parseStoryboardVtt(writeWebVtt(storyboardCues(geometry, 'sheet.jpg', 61)));
    expect(cues).toHaveLength(7);
    expect(cues[0]).toMatchObject({ startSeconds: 0, uri: 'sheet.jpg', x: 0, y: 0, width: 100, height: 50 });
    expect(cues[6]).toMatchObject({ endSeconds: 61, x: 600, y: 0 });
    for (let index = 1; index < cues.length; index += 1) expect(cues[index]!.startSeconds).toBe(cues[index - 1]!.endSeconds);
    expect(vttTime(3725.5)).toBe('01:02:05.500');
    expect(() => parseStoryboardVtt('not a vtt')).toThrow();
  });
});

describe('waveform peaks', () => {
  const pcm = (samples: number[]): Buffer => {
    const buffer = Buffer.alloc(samples.length * 2);
    samples.forEach((sample, index) => buffer.writeInt16LE(sample, index * 2));
    return buffer;
  };

  it('keeps a min/max pair per pixel and channel, whatever the chunk boundaries', () => {
    // Interleaved L/R: pixel 1 = frames 1-2, pixel 2 = frames 3-4, pixel 3 = frame 5 (partial).
    const bytes = pcm([100, -5, -300, 7, 32767, 0, -32768, 1, 9, 9]);
    // Chunks split inside a sample (3 bytes) and inside a frame.
    const whole = new WaveformBuilder({ sampleRate: 4, channels: 2, pixelsPerSecond: 2, bits: 16 });
    whole.push(bytes.subarray(0, 3));
    whole.push(bytes.subarray(3, 8));
    whole.push(bytes.subarray(8));
    const document = whole.finish();
    expect(document).toMatchObject({ version: 2, channels: 2, sample_rate: 4, samples_per_pixel: 2, bits: 16, length: 3 });
    expect(document.data).toEqual([-300, 100, -5, 7, -32768, 32767, 0, 1, 9, 9, 9, 9]);
    expect(waveformProblem(document)).toBeNull();
  });

  it('scales to 8 bits as audiowaveform does', () => {
    const builder = new WaveformBuilder({ sampleRate: 2, channels: 1, pixelsPerSecond: 1, bits: 8 });
    builder.push(pcm([-32768, 32767]));
    expect(builder.finish().data).toEqual([-128, 127]);
  });

  it('rejects documents that do not match the format', () => {
    const valid = { version: 2, channels: 1, sample_rate: 48000, samples_per_pixel: 2400, bits: 8, length: 1, data: [-1, 1] };
    expect(waveformProblem(valid)).toBeNull();
    expect(waveformProblem({ ...valid, version: 1 })).toMatch(/version/);
    expect(waveformProblem({ ...valid, data: [-1, 1, 0] })).toMatch(/values/);
    expect(waveformProblem({ ...valid, data: [2, 1] })).toMatch(/min\/max/);
    expect(waveformProblem({ ...valid, data: [-1, 300] })).toMatch(/8 bits/);
  });
});

describe('loudness', () => {
  const measured: SourceLoudness = { integratedLufs: -30, truePeakDb: -20, rangeLu: 5, thresholdLufs: -40, targetOffsetLu: 0.3 };
  const target = { integratedLufs: -16, truePeakDb: -1 };

  it('feeds the first pass\'s measurement to a linear loudnorm in the output\'s own filter chain', () => {
    const loudness = new Map([[loudnessKey(target), measured]]);
    const plan = buildFfmpegArgs({ outputs: [audioOutput({ format: 'MP3', loudness: target })] }, sampleProbe(), paths, { loudness });
    const filters = valueAfter(plan.runs[0]!.args, '-af');
    expect(filters).toBe('aresample=async=1,loudnorm=I=-16:TP=-1:LRA=11:measured_I=-30:measured_TP=-20:measured_LRA=5:measured_thresh=-40:offset=0.3:linear=true');
    expect(plan.runs[0]!.args).toContain('-ar');
    expect(plan.renditions[0]!.loudnessTarget).toEqual(target);
    expect(plan.notices).toEqual([]);
  });

  it('says when ffmpeg will fall back to dynamic normalisation, and leaves silence alone', () => {
    expect(linearImpossibleReason(target, measured)).toBeNull();
    expect(linearImpossibleReason(target, { ...measured, truePeakDb: -2 })).toMatch(/true peak at 12.0 dBTP/);
    const loud = new Map([[loudnessKey(target), { ...measured, truePeakDb: -2 }]]);
    const plan = buildFfmpegArgs({ outputs: [audioOutput({ format: 'MP3', name: 'm', loudness: target })] }, sampleProbe(), paths, { loudness: loud });
    expect(plan.notices).toEqual([expect.stringMatching(/^"m": loudness normalised dynamically/)]);
    expect(normaliseFilter(target, { ...measured, integratedLufs: Number.NEGATIVE_INFINITY })).toBeNull();
  });

  it('refuses to plan a normalisation without a measurement', () => {
    expect(() => buildFfmpegArgs({ outputs: [audioOutput({ format: 'MP3', loudness: target })] }, sampleProbe(), paths)).toThrow(/measure the source first/);
  });

  it('parses loudnorm\'s JSON from the end of stderr, including -inf for silence', () => {
    const stderr = `[Parsed_loudnorm_0 @ 0x1]\n{\n\t"input_i" : "-23.54",\n\t"input_tp" : "-5.01",\n\t"input_lra" : "3.20",\n\t"input_thresh" : "-33.9",\n\t"output_i" : "-16.0",\n\t"target_offset" : "0.12"\n}\n`;
    expect(parseLoudnormJson(stderr)).toEqual({ integratedLufs: -23.54, truePeakDb: -5.01, rangeLu: 3.2, thresholdLufs: -33.9, targetOffsetLu: 0.12 });
    expect(parseLoudnormJson(stderr.replace('"-23.54"', '"-inf"')).integratedLufs).toBe(Number.NEGATIVE_INFINITY);
  });
});
