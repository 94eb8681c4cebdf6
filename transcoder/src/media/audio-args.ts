import type { AudioFormat, AudioOutputSpec } from '../../../protocol/job-spec.js';
import type { ExpectedAudio } from './plan.js';
import type { AudioStreamInfo } from './probe.js';

interface AudioCodecProfile {
  /** Sample rates the encoder accepts; null when it takes any rate. */
  sampleRates: readonly number[] | null;
  maxChannels: number;
  /** Used when a lossy output arrives without a bitrate (the API normally fills it in). */
  defaultBitrateKbps: number | null;
  /** The muxer we write with and the demuxer verification reads it back with. */
  muxer: string;
  demuxer: string;
}

/** libmp3lame rejects rates above 48 kHz and libopus everything but 8/12/16/24/48 kHz (research §3.4). */
const AUDIO_PROFILES: Record<AudioFormat, AudioCodecProfile> = {
  MP3: {
    sampleRates: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000],
    maxChannels: 2,
    defaultBitrateKbps: 192,
    muxer: 'mp3',
    demuxer: 'mp3',
  },
  AAC: {
    sampleRates: [7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000],
    maxChannels: 8,
    defaultBitrateKbps: 192,
    // The ipod muxer is MP4 with the M4A brand, which is what a .m4a file should carry.
    muxer: 'ipod',
    demuxer: 'mov',
  },
  OPUS: {
    sampleRates: [8000, 12000, 16000, 24000, 48000],
    maxChannels: 8,
    defaultBitrateKbps: 128,
    muxer: 'opus',
    demuxer: 'ogg',
  },
  FLAC: { sampleRates: null, maxChannels: 8, defaultBitrateKbps: null, muxer: 'flac', demuxer: 'flac' },
  WAV: { sampleRates: null, maxChannels: 8, defaultBitrateKbps: null, muxer: 'wav', demuxer: 'wav' },
};

/** libopus only takes the Vorbis channel orders above stereo; name them so ffmpeg remaps to match. */
const OPUS_LAYOUTS: Record<number, string> = { 3: '3.0', 4: 'quad', 5: '5.0', 6: '5.1', 7: '6.1', 8: '7.1' };

export interface AudioEncoding {
  /** Codec, filter and muxer options for one output file (no -map, no path). */
  args: string[];
  expected: ExpectedAudio;
  demuxer: string;
}

/**
 * Encoder options for one audio output of `source`, with source-dependent defaults resolved. Pure.
 * `loudnorm` is the second loudness pass's filter (see loudness.ts), or null.
 */
export function planAudioEncoding(output: AudioOutputSpec, source: AudioStreamInfo, loudnorm: string | null = null): AudioEncoding {
  const profile = AUDIO_PROFILES[output.format];
  const sampleRate = chooseSampleRate(output.sampleRate ?? source.sampleRate, profile.sampleRates);
  // Explicit channel counts are clamped too: MP3 cannot carry more than two, whatever was asked.
  const channels = Math.min(Math.max(output.channels ?? source.channels, 1), profile.maxChannels);
  const bitrateKbps = profile.defaultBitrateKbps === null ? null : (output.bitrateKbps ?? profile.defaultBitrateKbps);
  const codec = codecOptions(output.format, output.bitDepth);

  // async=1 fills timestamp gaps with silence and trims overlaps, so inputs with broken or missing audio
  // timestamps keep their duration instead of shrinking.
  const filters = ['aresample=async=1'];
  // loudnorm works at 192 kHz; the `-ar` below brings the output back to its rate (research §3.4).
  if (loudnorm) filters.push(loudnorm);
  const opusLayout = OPUS_LAYOUTS[channels];
  if (output.format === 'OPUS' && opusLayout) filters.push(`aformat=channel_layouts=${opusLayout}`);

  const args = [
    ...codec.args,
    ...(bitrateKbps === null ? [] : ['-b:a', `${bitrateKbps}k`]),
    '-af', filters.join(','),
    '-ar', String(sampleRate),
    '-ac', String(channels),
    ...muxerOptions(output.format),
    '-f', profile.muxer,
  ];
  return {
    args,
    demuxer: profile.demuxer,
    expected: { codec: codec.codecName, sampleRate, channels, bitDepth: codec.bitDepth, bitrateKbps },
  };
}

/**
 * The wanted rate if the codec supports it, else the smallest supported rate above it (so no audio
 * bandwidth is lost: 44.1 kHz becomes 48 kHz for Opus), else the highest supported (96 kHz MP3 -> 48 kHz).
 */
export function chooseSampleRate(wanted: number, supported: readonly number[] | null): number {
  if (supported === null || supported.includes(wanted)) return wanted;
  const sorted = [...supported].sort((a, b) => a - b);
  return sorted.find((rate) => rate >= wanted) ?? sorted[sorted.length - 1] ?? wanted;
}

interface CodecOptions {
  args: string[];
  codecName: string;
  bitDepth: number | null;
}

/** WAV and FLAC default to 16 bits when no depth is given, as protocol/job-spec.ts documents. */
function codecOptions(format: AudioFormat, requestedBitDepth: number | null): CodecOptions {
  switch (format) {
    case 'MP3':
      return { args: ['-c:a', 'libmp3lame'], codecName: 'mp3', bitDepth: null };
    case 'AAC':
      return { args: ['-c:a', 'aac'], codecName: 'aac', bitDepth: null };
    case 'OPUS':
      return { args: ['-c:a', 'libopus'], codecName: 'opus', bitDepth: null };
    case 'FLAC': {
      // FLAC stores 24-bit audio in 32-bit samples; the raw-sample count is what ffprobe reads back.
      const bitDepth = (requestedBitDepth ?? 16) >= 24 ? 24 : 16;
      const sampleFormat = bitDepth === 24 ? ['s32', '-bits_per_raw_sample', '24'] : ['s16'];
      return { args: ['-c:a', 'flac', '-sample_fmt', ...sampleFormat], codecName: 'flac', bitDepth };
    }
    case 'WAV': {
      // The bit depth must be chosen through the codec: the WAV muxer's default silently writes 16 bits.
      const bitDepth = requestedBitDepth === 24 || requestedBitDepth === 32 ? requestedBitDepth : 16;
      const codec = `pcm_s${bitDepth}le`;
      return { args: ['-c:a', codec], codecName: codec, bitDepth };
    }
  }
}

function muxerOptions(format: AudioFormat): string[] {
  if (format === 'AAC') return ['-movflags', '+faststart'];
  // RF64 only when the file outgrows the 4 GiB a plain WAV header can describe.
  if (format === 'WAV') return ['-rf64', 'auto'];
  return [];
}
