import path from 'node:path';
import type { AudioOutputSpec, JobSpec } from '../../../protocol/job-spec.js';
import { AUDIO_CONTAINER } from '../../../protocol/job-spec.js';
import { planAudioEncoding } from './audio-args.js';
import { MediaError } from './errors.js';
import { acceptedDemuxer, ACCEPTED_CONTAINERS_TEXT, INPUT_DEMUXERS } from './formats.js';
import { planImageOutputs, type ImageOutputsPlan, type IndexedImageOutput } from './image-args.js';
import { linearImpossibleReason, normaliseFilter } from './loudness.js';
import { loudnessKey, type FfmpegPlan, type FfmpegRun, type LoudnessMeasurements, type PlannedRendition } from './plan.js';
import type { AudioStreamInfo, ProbeResult } from './probe.js';
import { planVideoOutputs, type IndexedVideoOutput } from './video-args.js';
import { planWaveformOutputs, type IndexedWaveformOutput, type WaveformOutputsPlan } from './waveform-args.js';

export interface BuildOptions {
  /** The first loudness pass's results (measureSourceLoudness); needed when an output asks for loudness. */
  loudness?: LoudnessMeasurements;
}

/** Absolute paths, built by the worker (relative ones are resolved against the current directory). */
export interface FfmpegPaths {
  /** The downloaded input file. */
  input: string;
  /** The job's output directory; rendition files are written inside it. */
  outputDir: string;
}

/** Options every run carries: no stdin, machine-readable progress on stdout every 0.5 s, errors only. */
export const GLOBAL_ARGS = [
  '-nostdin',
  '-hide_banner',
  '-loglevel', 'error',
  '-nostats',
  '-progress', 'pipe:1',
  '-stats_period', '0.5',
  '-y',
];

/**
 * Plans the ffmpeg processes for a job. Pure: no file system or process access.
 *
 * Security: argv arrays only (never a shell); the input is opened with the demuxer ffprobe identified
 * (forced with `-f`, and only if it is on the allowlist) through the `file` protocol alone, so a crafted
 * upload cannot make ffmpeg open URLs or other files. No user text reaches the argv except rendition names
 * (validated `[a-z0-9-]` by the API) inside paths built here; source metadata is dropped, not copied.
 *
 * Runs: when the job has video or image outputs, everything goes into ONE process so the source is
 * decoded once (split filter; images are branches of it); an audio-only job gets one process per
 * output, which the worker may run in parallel (1.6x faster than one process on 2 vCPU, research §3.2).
 * Waveforms ride along in a process that decodes the audio anyway, as raw PCM on its fd 3.
 *
 * @throws MediaError INPUT_REJECTED when the input's container is not accepted, its duration is unknown,
 *   a needed stream is missing, or PASSTHROUGH cannot copy its codecs into MP4.
 */
export function buildFfmpegArgs(spec: JobSpec, probe: ProbeResult, paths: FfmpegPaths, options: BuildOptions = {}): FfmpegPlan {
  if (spec.outputs.length === 0) throw new Error('a job spec needs at least one output');
  const demuxer = acceptedDemuxer(probe.formatName);
  if (!demuxer) reject(`This file's format (${probe.formatName}) is not accepted; upload ${ACCEPTED_CONTAINERS_TEXT}.`);
  const duration = probe.durationSeconds;
  if (duration === null || !(duration > 0)) reject('The file does not state how long it is.');
  const outputDir = path.resolve(paths.outputDir);
  // A "%" would be read as a pattern by the HLS muxer; the worker builds this path, so this is a bug guard.
  if (outputDir.includes('%')) throw new Error(`output directory must not contain "%": ${outputDir}`);

  const input = inputArgs(demuxer, paths.input);
  const common = commonOutputArgs(duration);
  const notices: string[] = [];

  const audioOutputs = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'audio' ? [{ output, outputIndex }] : [],
  );
  const videoOutputs: IndexedVideoOutput[] = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'video' ? [{ output, outputIndex }] : [],
  );
  const imageOutputs: IndexedImageOutput[] = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'image' ? [{ output, outputIndex }] : [],
  );
  const waveformOutputs: IndexedWaveformOutput[] = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'waveform' ? [{ output, outputIndex }] : [],
  );
  const sourceAudio = probe.audio;
  const audio = audioOutputs.map(({ output, outputIndex }) => {
    if (!sourceAudio) reject('An audio output was requested, but the file has no audio track.');
    const loudnorm = loudnessFilter(output, options.loudness, notices);
    return planAudioOutput(output, outputIndex, sourceAudio, outputDir, common, duration, loudnorm);
  });
  let waveforms: WaveformOutputsPlan | null = null;
  if (waveformOutputs.length > 0) {
    if (!sourceAudio) reject('A waveform was requested, but the file has no audio track.');
    waveforms = planWaveformOutputs(waveformOutputs, sourceAudio, common, duration);
  }
  const extras = {
    textFiles: [] as FfmpegPlan['textFiles'],
    imageFallbacks: [] as FfmpegPlan['imageFallbacks'],
    notices,
  };

  if (videoOutputs.length === 0 && imageOutputs.length === 0) {
    const runs: FfmpegRun[] = audio.map((entry) => ({
      args: [...GLOBAL_ARGS, ...input, ...entry.args],
      renditions: [entry.rendition.name],
    }));
    const renditions = audio.map((entry) => entry.rendition);
    if (waveforms) {
      // The first audio output's process decodes the audio anyway; a waveform-only job gets its own.
      const host = runs[0] ?? { args: [...GLOBAL_ARGS, ...input], renditions: [] };
      if (runs.length === 0) runs.push(host);
      host.args.push(...waveforms.outputArgs);
      host.renditions.push(...waveforms.renditions.map((rendition) => rendition.name));
      host.pcm = waveforms.pcm;
      renditions.push(...waveforms.renditions);
    }
    return {
      runs,
      renditions: renditions.sort((a, b) => a.outputIndex - b.outputIndex),
      dropped: [],
      directories: [],
      sourceDurationSeconds: Math.max(...renditions.map((rendition) => rendition.durationSeconds)),
      ...extras,
    };
  }

  if (!probe.video) reject(`${videoOutputs.length > 0 ? 'A video' : 'An image'} output was requested, but the file has no video track.`);
  const images: ImageOutputsPlan = planImageOutputs(imageOutputs, {
    video: probe.video,
    durationSeconds: duration,
    outputDir,
    commonOutputArgs: common,
    fallbackPrefix: (atSeconds) => [...GLOBAL_ARGS, '-ss', atSeconds.toFixed(3), ...input],
  });
  const video = planVideoOutputs(videoOutputs, { video: probe.video, audio: probe.audio }, outputDir, common, duration, images.branches);
  const renditions = [
    ...video.renditions,
    ...images.renditions,
    ...audio.map((entry) => entry.rendition),
    ...(waveforms?.renditions ?? []),
  ];
  const run: FfmpegRun = {
    args: [
      ...GLOBAL_ARGS,
      ...input,
      ...(video.filterComplex ? ['-filter_complex', video.filterComplex] : []),
      ...video.outputArgs,
      ...images.outputArgs,
      ...audio.flatMap((entry) => entry.args),
      ...(waveforms?.outputArgs ?? []),
    ],
    renditions: renditions.map((rendition) => rendition.name),
    ...(waveforms ? { pcm: waveforms.pcm } : {}),
  };
  return {
    runs: [run],
    // Array.prototype.sort is stable, so a WEB_OPTIMIZED output's qualities keep their order.
    renditions: renditions.sort((a, b) => a.outputIndex - b.outputIndex),
    dropped: video.dropped,
    directories: [...video.directories, ...images.directories],
    sourceDurationSeconds: duration,
    ...extras,
    textFiles: images.textFiles,
    imageFallbacks: images.fallbacks,
  };
}

/**
 * The input, opened safely: only the `file` protocol, only allowlisted demuxers (also for data a
 * container opens, the 2017 AVI/GAB2 -> HLS exploit), with the demuxer ffprobe identified forced.
 */
export function inputArgs(demuxer: string, input: string): string[] {
  return [
    '-protocol_whitelist', 'file',
    '-format_whitelist', INPUT_DEMUXERS.join(','),
    // Regenerate missing presentation timestamps (raw or damaged MPEG-TS/AVI) instead of failing.
    '-fflags', '+genpts',
    '-f', demuxer,
    '-i', `file:${path.resolve(input)}`,
  ];
}

/** The second loudness pass's filter for an output that asked for it; says why when it cannot be linear. */
function loudnessFilter(output: AudioOutputSpec, measurements: LoudnessMeasurements | undefined, notices: string[]): string | null {
  const target = output.loudness;
  if (!target) return null;
  const measured = measurements?.get(loudnessKey(target));
  // A bug guard: the worker measures every target before planning.
  if (!measured) throw new Error(`no loudness measurement for ${loudnessKey(target)}: measure the source first`);
  const filter = normaliseFilter(target, measured);
  if (!filter) {
    notices.push(`"${output.name}": the audio is silent, so its loudness was left as it is.`);
    return null;
  }
  const reason = linearImpossibleReason(target, measured);
  if (reason) notices.push(`"${output.name}": loudness normalised dynamically, not with one gain: ${reason}.`);
  return filter;
}

function planAudioOutput(
  output: AudioOutputSpec,
  outputIndex: number,
  source: AudioStreamInfo,
  outputDir: string,
  common: readonly string[],
  sourceDuration: number,
  loudnorm: string | null,
): { args: string[]; rendition: PlannedRendition } {
  const container = AUDIO_CONTAINER[output.format];
  const fileName = `${output.name}.${container.extension}`;
  const encoding = planAudioEncoding(output, source, loudnorm);
  return {
    args: ['-map', `0:${source.streamIndex}`, ...encoding.args, ...common, `file:${path.join(outputDir, fileName)}`],
    rendition: {
      name: output.name,
      outputIndex,
      quality: null,
      fileName,
      contentType: container.contentType,
      // An audio track that stops before the video does makes a shorter audio output, rightly.
      durationSeconds: source.durationSeconds ?? sourceDuration,
      expected: { kind: 'audio', demuxer: encoding.demuxer, audio: encoding.expected },
      loudnessTarget: output.loudness ?? null,
    },
  };
}

/**
 * Per-output options: strip the source's metadata and chapters (they can hold personal data such as a
 * phone's GPS position, and are user text), tolerate long muxing queues with several outputs, and stop
 * at a duration ceiling so a file whose header understates its length cannot encode forever.
 */
function commonOutputArgs(durationSeconds: number): string[] {
  const ceiling = Math.ceil(durationSeconds + Math.max(10, durationSeconds * 0.1));
  return ['-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024', '-t', String(ceiling)];
}

function reject(message: string): never {
  throw new MediaError('INPUT_REJECTED', message);
}
