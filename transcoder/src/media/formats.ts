/**
 * What the media layer accepts and produces: the input containers (demuxers) we let ffprobe and
 * ffmpeg open, and the codecs that can be copied into MP4 unchanged.
 */

/**
 * Demuxers we accept, by their ffmpeg short names. ffmpeg matches a whitelist entry against any of a
 * demuxer's aliases, so `mov` covers "mov,mp4,m4a,3gp,3g2,mj2" and `matroska` covers "matroska,webm".
 *
 * Everything that can reference other files or URLs is left out on purpose: hls, dash, concat/ffconcat,
 * image2, lavfi, tee, sdp, rtsp and the like. A crafted upload in one of those formats could otherwise
 * make ffmpeg fetch internal URLs or read other jobs' files (research doc §3.6).
 */
export const INPUT_DEMUXERS = [
  'mov',
  'matroska',
  'avi',
  'mpegts',
  'flv',
  'mp3',
  'aac',
  'wav',
  'w64',
  'flac',
  'ogg',
  'aiff',
] as const;

export type InputDemuxer = (typeof INPUT_DEMUXERS)[number];

/** The accepted containers as a person would name them, for error messages. */
export const ACCEPTED_CONTAINERS_TEXT = 'MP4/MOV, Matroska/WebM, AVI, MPEG-TS, FLV, MP3, AAC, WAV, FLAC, Ogg or AIFF';

/**
 * The demuxer to force when ffmpeg opens an input ffprobe identified as `formatName` (which may be a
 * comma-separated alias list such as "mov,mp4,m4a,3gp,3g2,mj2"), or null when it is not accepted.
 */
export function acceptedDemuxer(formatName: string): InputDemuxer | null {
  const aliases = formatName.split(',').map((alias) => alias.trim());
  return INPUT_DEMUXERS.find((demuxer) => aliases.includes(demuxer)) ?? null;
}

/**
 * Video codecs (ffprobe names) that PASSTHROUGH can copy into MP4 and that common players decode.
 * ffmpeg 5.1 also muxes e.g. Vorbis or MPEG-2 into MP4 without complaint, but few players read those.
 */
export const MP4_COPYABLE_VIDEO_CODECS: ReadonlySet<string> = new Set(['h264', 'hevc', 'av1', 'vp9', 'mpeg4']);

/** Audio codecs (ffprobe names) that PASSTHROUGH can copy into MP4. Verified against ffmpeg 5.1. */
export const MP4_COPYABLE_AUDIO_CODECS: ReadonlySet<string> = new Set(['aac', 'mp3', 'opus', 'ac3', 'eac3', 'alac']);

/** Human names for the codecs people are likely to hit in PASSTHROUGH errors. */
const CODEC_DISPLAY_NAMES: Record<string, string> = {
  vp8: 'VP8',
  vp9: 'VP9',
  vorbis: 'Vorbis',
  ffv1: 'FFV1',
  theora: 'Theora',
  prores: 'ProRes',
  flac: 'FLAC',
  mpeg2video: 'MPEG-2',
  mjpeg: 'Motion JPEG',
};

/** "vp8" -> "VP8", "pcm_s24le" -> "PCM (pcm_s24le)"; codec names come from ffprobe, never from users. */
export function codecDisplayName(codec: string): string {
  if (codec.startsWith('pcm_')) return `uncompressed PCM (${codec})`;
  return CODEC_DISPLAY_NAMES[codec] ?? codec;
}
