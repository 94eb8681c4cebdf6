import type { AudioOutputSpec, VideoOutputSpec } from '../../../protocol/job-spec.js';
import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from '../../../transcoder/src/media/index.js';

const SAMPLE_VIDEO: VideoStreamInfo = {
  streamIndex: 0,
  codec: 'h264',
  width: 1920,
  height: 1080,
  frameRate: 30,
  pixelFormat: 'yuv420p',
  rotation: 0,
  durationSeconds: null,
};

const SAMPLE_AUDIO: AudioStreamInfo = {
  streamIndex: 1,
  codec: 'aac',
  sampleRate: 48000,
  channels: 2,
  bitDepth: null,
  durationSeconds: null,
};

/** A probe result as ffprobe would give for a 1080p H.264/AAC MP4, with overrides. */
export function sampleProbe(
  overrides: Partial<Omit<ProbeResult, 'video' | 'audio'>> & {
    video?: Partial<VideoStreamInfo> | null;
    audio?: Partial<AudioStreamInfo> | null;
  } = {},
): ProbeResult {
  const { video, audio, ...rest } = overrides;
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSeconds: 60,
    sizeBytes: 10_000_000,
    startTimeSeconds: 0,
    video: video === null ? null : { ...SAMPLE_VIDEO, ...video },
    audio: audio === null ? null : { ...SAMPLE_AUDIO, ...audio },
    ...rest,
  };
}

export function audioOutput(overrides: Partial<AudioOutputSpec> & Pick<AudioOutputSpec, 'format'>): AudioOutputSpec {
  return {
    kind: 'audio',
    name: overrides.format.toLowerCase(),
    bitrateKbps: null,
    sampleRate: null,
    channels: null,
    bitDepth: null,
    ...overrides,
  };
}

export function videoOutput(overrides: Partial<VideoOutputSpec> & Pick<VideoOutputSpec, 'preset'>): VideoOutputSpec {
  return { kind: 'video', name: overrides.preset === 'HLS' ? 'hls' : 'web', qualities: [], ...overrides };
}
