import { stat } from 'node:fs/promises';
import { MediaError } from './errors.js';
import { runFfprobe, type FfprobeOptions, type RawProbe, type RawStream } from './ffprobe.js';
import { INPUT_DEMUXERS } from './formats.js';

export interface VideoStreamInfo {
  /** Absolute stream index in the file, for `-map 0:<index>`. */
  streamIndex: number;
  codec: string;
  /** Displayed width: the coded width, swapped with the height when the stream is rotated by 90/270. */
  width: number;
  /** Displayed height (see `width`); qualities and limits compare against this. */
  height: number;
  /** Average frames per second; null when the container does not say. */
  frameRate: number | null;
  pixelFormat: string | null;
  /** Display rotation in degrees, normalised to 0, 90, 180 or 270. ffmpeg applies it when encoding. */
  rotation: number;
  /** The stream's own duration when the container states one (MP4 does, Matroska does not). */
  durationSeconds: number | null;
}

export interface AudioStreamInfo {
  streamIndex: number;
  codec: string;
  sampleRate: number;
  channels: number;
  /** Bits per sample for PCM and lossless codecs; null for lossy codecs, which have none. */
  bitDepth: number | null;
  /** See VideoStreamInfo.durationSeconds; audio can end well before the video does. */
  durationSeconds: number | null;
}

export interface ProbeResult {
  /** ffprobe's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  formatName: string;
  /** Null when neither the streams nor the container state a duration. */
  durationSeconds: number | null;
  sizeBytes: number | null;
  /** Start of the file's timeline (non-zero for MPEG-TS), used to measure outputs' ends. */
  startTimeSeconds: number;
  /** The first real video stream; cover art (attached pictures) is not video. */
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
}

export type ProbeOptions = FfprobeOptions;

/**
 * Probes a LOCAL file. Only the `file` protocol and the demuxers in INPUT_DEMUXERS are allowed, so a
 * playlist or concat script disguised as media is rejected before it can reach other files or URLs.
 *
 * @throws MediaError INPUT_UNREADABLE (missing, empty, truncated, not media, no audio or video),
 *   INPUT_REJECTED (container not accepted), CANCELED.
 */
export async function probeFile(file: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const stats = await stat(file).catch(() => null);
  if (!stats?.isFile()) throw new MediaError('INPUT_UNREADABLE', 'The uploaded file could not be found.');
  if (stats.size === 0) throw new MediaError('INPUT_UNREADABLE', 'The uploaded file is empty.');
  const raw = await runFfprobe(file, INPUT_DEMUXERS, ['-show_format', '-show_streams'], options);
  const result = toProbeResult(raw);
  if (!result.video && !result.audio) {
    throw new MediaError('INPUT_UNREADABLE', 'The file contains no audio or video stream that can be decoded.');
  }
  return result;
}

/** Turns ffprobe's JSON into a ProbeResult; shared with output verification. */
export function toProbeResult(raw: RawProbe): ProbeResult {
  const streams = raw.streams ?? [];
  const videoStream = streams.find(isRealVideo);
  const audioStream = streams.find((stream) => stream.codec_type === 'audio' && positive(stream.sample_rate));
  const video = videoStream ? toVideoInfo(videoStream) : null;
  const audio = audioStream ? toAudioInfo(audioStream) : null;
  return {
    formatName: raw.format?.format_name ?? 'unknown',
    durationSeconds: pickDuration([videoStream, audioStream], raw.format?.duration),
    sizeBytes: positive(raw.format?.size),
    startTimeSeconds: finite(raw.format?.start_time) ?? 0,
    video,
    audio,
  };
}

function isRealVideo(stream: RawStream): boolean {
  return (
    stream.codec_type === 'video' &&
    stream.disposition?.attached_pic !== 1 &&
    Boolean(stream.codec_name) &&
    positive(stream.width) !== null &&
    positive(stream.height) !== null
  );
}

function toVideoInfo(stream: RawStream): VideoStreamInfo {
  const rotation = readRotation(stream);
  const codedWidth = stream.width ?? 0;
  const codedHeight = stream.height ?? 0;
  const sideways = rotation === 90 || rotation === 270;
  return {
    streamIndex: stream.index,
    codec: stream.codec_name ?? 'unknown',
    width: sideways ? codedHeight : codedWidth,
    height: sideways ? codedWidth : codedHeight,
    frameRate: parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate),
    pixelFormat: stream.pix_fmt ?? null,
    rotation,
    durationSeconds: positive(stream.duration),
  };
}

function toAudioInfo(stream: RawStream): AudioStreamInfo {
  return {
    streamIndex: stream.index,
    codec: stream.codec_name ?? 'unknown',
    sampleRate: positive(stream.sample_rate) ?? 0,
    channels: stream.channels ?? 0,
    bitDepth: positive(stream.bits_per_raw_sample) ?? positive(stream.bits_per_sample),
    durationSeconds: positive(stream.duration),
  };
}

/** ffmpeg 5.1 reports the display matrix as side data; older files and builds use a `rotate` tag. */
function readRotation(stream: RawStream): number {
  const fromSideData = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number')?.rotation;
  const degrees = fromSideData ?? finite(stream.tags?.rotate) ?? 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

/**
 * The longest stream duration, else the container's. Stream durations are preferred because container
 * durations can be estimates (an ADTS .aac over-reported by 0.9% in the research measurements).
 */
function pickDuration(streams: Array<RawStream | undefined>, formatDuration: string | undefined): number | null {
  const fromStreams = streams.map((stream) => positive(stream?.duration)).filter((value) => value !== null);
  if (fromStreams.length > 0) return Math.max(...fromStreams);
  return positive(formatDuration);
}

/** "30000/1001" -> 29.97; "0/0" and missing values -> null. */
function parseRate(rate: string | undefined): number | null {
  if (!rate) return null;
  const [numerator, denominator = '1'] = rate.split('/');
  const value = Number(numerator) / Number(denominator);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function finite(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const parsed = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(parsed) ? parsed : null;
}

function positive(value: string | number | undefined): number | null {
  const parsed = finite(value);
  return parsed !== null && parsed > 0 ? parsed : null;
}
