import path from 'node:path';
import type { AudioOutputSpec, JobSpec } from '../../../protocol/job-spec.js';
import { AUDIO_CONTAINER } from '../../../protocol/job-spec.js';
import { planAudioEncoding } from './audio-args.js';
import { MediaError } from './errors.js';
import { acceptedDemuxer, ACCEPTED_CONTAINERS_TEXT, INPUT_DEMUXERS } from './formats.js';
import type { FfmpegPlan, FfmpegRun, PlannedRendition } from './plan.js';
import type { AudioStreamInfo, ProbeResult } from './probe.js';
import { planVideoOutputs, type IndexedVideoOutput } from './video-args.js';

/** Absolute paths, built by the worker (relative ones are resolved against the current directory). */
export interface FfmpegPaths {
  /** The downloaded input file. */
  input: string;
  /** The job's output directory; rendition files are written inside it. */
  outputDir: string;
}

/** Options every run carries: no stdin, machine-readable progress on stdout every 0.5 s, errors only. */
const GLOBAL_ARGS = [
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
 * Runs: when the job has video outputs, everything goes into ONE process so the source is decoded once
 * (split filter); an audio-only job gets one process per output, which the worker may run in parallel
 * (1.6x faster than one process on 2 vCPU, research §3.2).
 *
 * @throws MediaError INPUT_REJECTED when the input's container is not accepted, its duration is unknown,
 *   a needed stream is missing, or PASSTHROUGH cannot copy its codecs into MP4.
 */
export function buildFfmpegArgs(spec: JobSpec, probe: ProbeResult, paths: FfmpegPaths): FfmpegPlan {
  if (spec.outputs.length === 0) throw new Error('a job spec needs at least one output');
  const demuxer = acceptedDemuxer(probe.formatName);
  if (!demuxer) reject(`This file's format (${probe.formatName}) is not accepted; upload ${ACCEPTED_CONTAINERS_TEXT}.`);
  const duration = probe.durationSeconds;
  if (duration === null || !(duration > 0)) reject('The file does not state how long it is.');
  const outputDir = path.resolve(paths.outputDir);
  // A "%" would be read as a pattern by the HLS muxer; the worker builds this path, so this is a bug guard.
  if (outputDir.includes('%')) throw new Error(`output directory must not contain "%": ${outputDir}`);

  const input = [
    '-protocol_whitelist', 'file',
    // Also binds demuxers that a container opens for embedded data (the 2017 AVI/GAB2 -> HLS exploit).
    '-format_whitelist', INPUT_DEMUXERS.join(','),
    // Regenerate missing presentation timestamps (raw or damaged MPEG-TS/AVI) instead of failing.
    '-fflags', '+genpts',
    '-f', demuxer,
    '-i', `file:${path.resolve(paths.input)}`,
  ];
  const common = commonOutputArgs(duration);

  const audioOutputs = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'audio' ? [{ output, outputIndex }] : [],
  );
  const videoOutputs: IndexedVideoOutput[] = spec.outputs.flatMap((output, outputIndex) =>
    output.kind === 'video' ? [{ output, outputIndex }] : [],
  );
  const sourceAudio = probe.audio;
  const audio = audioOutputs.map(({ output, outputIndex }) => {
    if (!sourceAudio) reject('An audio output was requested, but the file has no audio track.');
    return planAudioOutput(output, outputIndex, sourceAudio, outputDir, common, duration);
  });

  if (videoOutputs.length === 0) {
    return {
      runs: audio.map((entry) => ({
        args: [...GLOBAL_ARGS, ...input, ...entry.args],
        renditions: [entry.rendition.name],
      })),
      renditions: audio.map((entry) => entry.rendition),
      dropped: [],
      directories: [],
      sourceDurationSeconds: Math.max(...audio.map((entry) => entry.rendition.durationSeconds)),
    };
  }

  if (!probe.video) reject('A video output was requested, but the file has no video track.');
  const video = planVideoOutputs(videoOutputs, { video: probe.video, audio: probe.audio }, outputDir, common, duration);
  const renditions = [...video.renditions, ...audio.map((entry) => entry.rendition)];
  const run: FfmpegRun = {
    args: [
      ...GLOBAL_ARGS,
      ...input,
      ...(video.filterComplex ? ['-filter_complex', video.filterComplex] : []),
      ...video.outputArgs,
      ...audio.flatMap((entry) => entry.args),
    ],
    renditions: renditions.map((rendition) => rendition.name),
  };
  return {
    runs: [run],
    // Array.prototype.sort is stable, so a WEB_OPTIMIZED output's qualities keep their order.
    renditions: renditions.sort((a, b) => a.outputIndex - b.outputIndex),
    dropped: video.dropped,
    directories: video.directories,
    sourceDurationSeconds: duration,
  };
}

function planAudioOutput(
  output: AudioOutputSpec,
  outputIndex: number,
  source: AudioStreamInfo,
  outputDir: string,
  common: readonly string[],
  sourceDuration: number,
): { args: string[]; rendition: PlannedRendition } {
  const container = AUDIO_CONTAINER[output.format];
  const fileName = `${output.name}.${container.extension}`;
  const encoding = planAudioEncoding(output, source);
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
