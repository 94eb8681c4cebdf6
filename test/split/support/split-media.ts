/**
 * Media for the split-and-stitch tests: a source with a burned-in frame counter and a steady tone, and
 * the checks a stitched output must pass against it and against a single run of the same job.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { resolveBinaries } from '../../../transcoder/src/media/binaries.js';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

export interface CounterSourceOptions {
  seconds?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Source GOP in frames: 48 at 25 fps puts no source keyframe on most 6 s grid points. */
  gop?: number;
  toneHz?: number;
}

/**
 * An H.264 + AAC MP4 whose every frame shows its own number (drawtext `%{frame_num}`, over a moving
 * test pattern, so no two frames are alike) with a steady sine tone, stereo 48 kHz.
 */
export async function generateCounterSource(file: string, options: CounterSourceOptions = {}): Promise<string> {
  const { seconds = 40, fps = 25, width = 426, height = 240, gop = 48, toneHz = 440 } = options;
  const { ffmpeg } = await resolveBinaries();
  const text = `drawtext=fontfile=${FONT}:text='%{frame_num}':fontsize=${Math.round(height / 4)}:fontcolor=white:box=1:boxcolor=black:x=10:y=10`;
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error',
    '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds},${text}`,
    '-f', 'lavfi', '-i', `sine=f=${toneHz}:d=${seconds}:sample_rate=48000`,
    '-ac', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', '-y', file,
  ]);
  return file;
}

async function ffprobeJson(args: string[]): Promise<Record<string, unknown>> {
  const { ffprobe } = await resolveBinaries();
  const { stdout } = await execa(ffprobe, ['-v', 'error', '-print_format', 'json', ...args]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Video frames (packets) of the first video stream of a file or playlist. */
export async function countVideoFrames(file: string): Promise<number> {
  const json = await ffprobeJson(['-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', file]);
  return Number((json.streams as Array<{ nb_read_packets: string }>)[0]!.nb_read_packets);
}

/** Duration of the video stream, from its packets: last pts + its duration - first pts. */
export async function videoDuration(file: string): Promise<number> {
  const times = await packetTimes(file, 'v:0');
  const first = Math.min(...times.map((packet) => packet.pts));
  const end = Math.max(...times.map((packet) => packet.pts + packet.duration));
  return end - first;
}

/** Presentation times of the first video stream's keyframes, from the stream's start. */
export async function keyframeTimes(file: string): Promise<number[]> {
  const packets = await packetTimes(file, 'v:0');
  const first = Math.min(...packets.map((packet) => packet.pts));
  return packets.filter((packet) => packet.key).map((packet) => Math.round((packet.pts - first) * 1000) / 1000).sort((a, b) => a - b);
}

async function packetTimes(file: string, stream: string): Promise<Array<{ pts: number; duration: number; key: boolean }>> {
  const json = await ffprobeJson(['-select_streams', stream, '-show_entries', 'packet=pts_time,duration_time,flags', file]);
  return (json.packets as Array<{ pts_time: string; duration_time?: string; flags: string }>).map((packet) => ({
    pts: Number(packet.pts_time),
    duration: Number(packet.duration_time ?? 0),
    key: packet.flags.startsWith('K'),
  }));
}

/** PSNR (average over the planes, dB) of frame `index` of `a` against frame `index` of `b`. */
export async function framePsnr(a: string, b: string, index: number): Promise<number> {
  const { ffmpeg } = await resolveBinaries();
  const graph = `[0:v]select=eq(n\\,${index}),setpts=PTS-STARTPTS[a];[1:v]select=eq(n\\,${index}),setpts=PTS-STARTPTS[b];[a][b]psnr`;
  const { stderr } = await execa(ffmpeg, ['-nostdin', '-hide_banner', '-i', a, '-i', b, '-lavfi', graph, '-f', 'null', '-']);
  const match = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no PSNR in ffmpeg's output: ${stderr.slice(-500)}`);
  return match[1] === 'inf' ? Infinity : Number(match[1]);
}

/** The first audio stream decoded to mono float samples at 48 kHz. */
export async function decodeAudio(file: string): Promise<Float32Array> {
  const { ffmpeg } = await resolveBinaries();
  const { stdout } = await execa(ffmpeg, ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  const bytes = Buffer.from(stdout);
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

export interface JoinAudio {
  atSeconds: number;
  /** RMS of the 100 ms around the join, over the RMS of the whole middle of the file (1 for a steady tone). */
  relativeRms: number;
  /** Largest sample-to-sample step near the join, over the largest anywhere in the middle of the file. */
  relativeStep: number;
}

/**
 * Looks at the samples around each join: a gap shows as a drop in RMS, a click as a sample-to-sample
 * step larger than the tone itself ever makes.
 */
export function audioAtJoins(samples: Float32Array, joins: readonly number[], rate = 48_000): JoinAudio[] {
  const middle = samples.subarray(rate, Math.max(rate + 1, samples.length - rate));
  const overall = { rms: rms(middle), step: maxStep(middle) };
  return joins.map((atSeconds) => {
    const center = Math.round(atSeconds * rate);
    const window = samples.subarray(Math.max(0, center - rate / 20), Math.min(samples.length, center + rate / 20));
    return { atSeconds, relativeRms: rms(window) / overall.rms, relativeStep: maxStep(window) / overall.step };
  });
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function maxStep(samples: Float32Array): number {
  let max = 0;
  for (let index = 1; index < samples.length; index++) max = Math.max(max, Math.abs(samples[index]! - samples[index - 1]!));
  return max;
}

/**
 * Plays an HLS master playlist from its file alone (every variant's video and audio decoded); answers
 * ffmpeg's error output (empty when clean) and whether any playlist beside it has a discontinuity.
 */
export async function playHls(master: string): Promise<{ errors: string; discontinuity: boolean; variants: string[] }> {
  const { ffmpeg } = await resolveBinaries();
  const result = await execa(ffmpeg, ['-nostdin', '-v', 'error', '-i', master, '-map', '0', '-f', 'null', '-'], { reject: false });
  const text = await readFile(master, 'utf8');
  const variants = text.split('\n').filter((line) => line.endsWith('.m3u8'));
  let discontinuity = text.includes('#EXT-X-DISCONTINUITY');
  for (const variant of variants) {
    if ((await readFile(path.join(path.dirname(master), variant), 'utf8')).includes('#EXT-X-DISCONTINUITY')) discontinuity = true;
  }
  return { errors: result.exitCode === 0 ? result.stderr.trim() : `exit ${result.exitCode}: ${result.stderr}`, discontinuity, variants };
}
