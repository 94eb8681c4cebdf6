import path from 'node:path';
import { execa } from 'execa';
import { resolveBinaries } from './binaries.js';
import { MediaError } from './errors.js';
import { ACCEPTED_CONTAINERS_TEXT } from './formats.js';
import { StderrTail } from './stderr-tail.js';

/** The parts of `ffprobe -print_format json -show_format -show_streams` output we read. */
export interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  bits_per_sample?: number;
  bits_per_raw_sample?: string;
  duration?: string;
  bit_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ rotation?: number }>;
}

export interface RawFormat {
  format_name?: string;
  duration?: string;
  start_time?: string;
  size?: string;
  bit_rate?: string;
}

export interface RawPacket {
  pts_time?: string;
  duration_time?: string;
}

export interface RawProbe {
  streams?: RawStream[];
  format?: RawFormat;
  packets?: RawPacket[];
}

export interface FfprobeOptions {
  /** Defaults to the binary found by `resolveBinaries()`. */
  ffprobePath?: string;
  signal?: AbortSignal;
  /** @default 60_000 */
  timeoutMs?: number;
}

/**
 * Runs ffprobe on a local file with JSON output, opening it only through the `file` protocol and only
 * with one of `demuxers`. Maps failures to MediaError: a demuxer outside the list is INPUT_REJECTED,
 * anything else ffprobe cannot read is INPUT_UNREADABLE.
 */
export async function runFfprobe(
  file: string,
  demuxers: readonly string[],
  extraArgs: readonly string[],
  options: FfprobeOptions = {},
): Promise<RawProbe> {
  const binary = options.ffprobePath ?? (await resolveBinaries()).ffprobe;
  const args = [
    '-hide_banner',
    '-v', 'error',
    '-protocol_whitelist', 'file',
    '-format_whitelist', demuxers.join(','),
    '-print_format', 'json',
    ...extraArgs,
    // The `file:` prefix keeps a name containing ":" from being read as another protocol.
    `file:${path.resolve(file)}`,
  ];
  const result = await execa(binary, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: options.signal,
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = new StderrTail();
  stderr.push(result.stderr);
  if (result.isCanceled) throw new MediaError('CANCELED', 'Probing was canceled.');
  if (result.timedOut) {
    throw new MediaError('INPUT_UNREADABLE', 'The file took too long to read; it may be damaged.', {
      stderrTail: stderr.text(),
    });
  }
  if (result.failed) throw probeFailure(result.stderr, stderr.text(), result.code);
  try {
    return JSON.parse(result.stdout) as RawProbe;
  } catch (cause) {
    throw new MediaError('INPUT_UNREADABLE', 'The file could not be read as audio or video.', { cause });
  }
}

function probeFailure(stderr: string, stderrTail: string, spawnCode: string | undefined): MediaError {
  if (spawnCode === 'ENOENT' || spawnCode === 'EACCES') {
    return new MediaError('FFMPEG_FAILED', 'ffprobe could not be started.', { stderrTail });
  }
  const rejected = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (rejected) {
    return new MediaError(
      'INPUT_REJECTED',
      `This file's format (${rejected[1]}) is not accepted; upload ${ACCEPTED_CONTAINERS_TEXT}.`,
      { stderrTail },
    );
  }
  return new MediaError(
    'INPUT_UNREADABLE',
    'The file could not be read as audio or video: it may be truncated, damaged or not a media file.',
    { stderrTail },
  );
}
