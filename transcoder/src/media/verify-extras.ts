import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoudnessMeasurement } from '../../../protocol/job-spec.js';
import type { StoryboardReport } from '../../../protocol/worker-api.js';
import { isMediaError } from './errors.js';
import { runFfprobe, type FfprobeOptions } from './ffprobe.js';
import { measureLoudness, toMeasurement } from './loudness.js';
import type { ExpectedImage, PlannedRendition } from './plan.js';
import { parseStoryboardVtt, type StoryboardGeometry } from './storyboard.js';
import { fileSize, invalid } from './verify-checks.js';
import { waveformProblem, type WaveformJson } from './waveform.js';

/**
 * Verification of the outputs that are not audio or video files: images are decoded and their size
 * checked, a storyboard's WebVTT is parsed and every cue must lie inside the sheet and the cues must
 * tile the whole duration, a waveform's JSON must match the audiowaveform format; and the loudness of
 * normalised audio is measured on the file itself.
 */

/** Decodes the image (ffprobe reads its frame) and checks codec and size. */
export async function checkImage(file: string, expected: ExpectedImage, rendition: string, options: FfprobeOptions): Promise<void> {
  // The demuxer is forced: by the name alone ffprobe may pick image2, which reads file-name patterns.
  const args = ['-f', expected.demuxer, '-show_entries', 'stream=codec_name,width,height:frame=width,height'];
  const raw = (await runFfprobe(file, [expected.demuxer], args, options)
    .catch((error: unknown) => {
      throw isMediaError(error, 'CANCELED') ? error : invalid(rendition, 'its image cannot be decoded', error);
    })) as { streams?: Array<{ codec_name?: string }>; frames?: Array<{ width?: number; height?: number }> };
  const codec = raw.streams?.[0]?.codec_name;
  const frame = raw.frames?.[0];
  if (codec !== expected.codec) throw invalid(rendition, `its image is ${codec ?? 'unknown'}, not ${expected.codec}`);
  if (!frame) throw invalid(rendition, 'its image decodes to no picture');
  if (frame.width !== expected.width || frame.height !== expected.height) {
    throw invalid(rendition, `its image is ${frame.width}x${frame.height}, expected ${expected.width}x${expected.height}`);
  }
}

/** Checks a storyboard's VTT against its geometry; returns the report the API receives. */
export async function checkStoryboard(
  outputDir: string,
  rendition: PlannedRendition,
  sheet: string,
  geometry: StoryboardGeometry,
  toleranceSeconds: number,
): Promise<StoryboardReport> {
  const name = rendition.name;
  const text = await readFile(path.join(outputDir, rendition.fileName), 'utf8').catch((error: unknown) => {
    throw invalid(name, `${rendition.fileName} was not written`, error);
  });
  let cues;
  try {
    cues = parseStoryboardVtt(text);
  } catch (error) {
    throw invalid(name, `its WebVTT index cannot be parsed (${(error as Error).message})`, error);
  }
  if (cues.length !== geometry.tiles) throw invalid(name, `its index has ${cues.length} cues, not ${geometry.tiles}`);
  const sheetName = path.posix.basename(sheet);
  let previousEnd = 0;
  for (const cue of cues) {
    if (cue.uri !== sheetName) throw invalid(name, `a cue points at ${cue.uri}, not its sheet`);
    if (cue.x + cue.width > geometry.sheetWidth || cue.y + cue.height > geometry.sheetHeight || cue.width <= 0 || cue.height <= 0) {
      throw invalid(name, `a cue's area ${cue.x},${cue.y},${cue.width},${cue.height} is outside the ${geometry.sheetWidth}x${geometry.sheetHeight} sheet`);
    }
    // Millisecond rounding in the VTT's times.
    if (Math.abs(cue.startSeconds - previousEnd) > 0.002 || cue.endSeconds <= cue.startSeconds) {
      throw invalid(name, 'its cues leave gaps or overlap');
    }
    previousEnd = cue.endSeconds;
  }
  if (Math.abs(previousEnd - rendition.durationSeconds) > toleranceSeconds) {
    throw invalid(name, `its cues end at ${previousEnd.toFixed(2)} s, not at the source's end`);
  }
  return {
    vtt: rendition.fileName,
    sheet,
    sheetWidth: geometry.sheetWidth,
    sheetHeight: geometry.sheetHeight,
    tileWidth: geometry.tileWidth,
    tileHeight: geometry.tileHeight,
    columns: geometry.columns,
    rows: geometry.rows,
    tiles: geometry.tiles,
    intervalSeconds: geometry.intervalSeconds,
  };
}

/** Checks a waveform document and that it spans the audio's duration; returns that duration. */
export async function checkWaveform(
  outputDir: string,
  rendition: PlannedRendition,
  expected: { channels: number; sampleRate: number; bits: 8 | 16 },
  toleranceSeconds: number,
): Promise<number> {
  const name = rendition.name;
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path.join(outputDir, rendition.fileName), 'utf8'));
  } catch (error) {
    throw invalid(name, `${rendition.fileName} is not readable JSON`, error);
  }
  const problem = waveformProblem(document);
  if (problem) throw invalid(name, problem);
  const waveform = document as WaveformJson;
  if (waveform.channels !== expected.channels || waveform.sample_rate !== expected.sampleRate || waveform.bits !== expected.bits) {
    throw invalid(name, 'its channels, sample rate or bits are not the planned ones');
  }
  const seconds = (waveform.length * waveform.samples_per_pixel) / waveform.sample_rate;
  // The last pixel may be partial, so the span can exceed the audio by up to one pixel.
  const pixelSeconds = waveform.samples_per_pixel / waveform.sample_rate;
  if (Math.abs(seconds - rendition.durationSeconds) > toleranceSeconds + pixelSeconds) {
    throw invalid(name, `its peaks span ${seconds.toFixed(2)} s instead of ${rendition.durationSeconds.toFixed(2)} s`);
  }
  return Math.min(seconds, rendition.durationSeconds);
}

/** EBU R128 figures of a produced audio file (loudnorm's measurement, as in the first pass). */
export async function measureOutputLoudness(
  file: string,
  demuxer: string,
  rendition: PlannedRendition,
  options: { signal?: AbortSignal },
): Promise<LoudnessMeasurement> {
  const target = rendition.loudnessTarget ?? { integratedLufs: -16, truePeakDb: -1 };
  const input = ['-protocol_whitelist', 'file', '-format_whitelist', demuxer, '-f', demuxer, '-i', `file:${path.resolve(file)}`];
  try {
    return toMeasurement(await measureLoudness(input, '0:a:0', target, { signal: options.signal }));
  } catch (error) {
    throw isMediaError(error, 'CANCELED') ? error : invalid(rendition.name, 'its loudness cannot be measured', error);
  }
}


