/**
 * The validated description of a job's work, shared by the API (which validates and stores it) and the
 * transcoder (which executes it). Pure types and constants only: the transcoder runs on another machine
 * and may import nothing else from the API.
 */

export const AUDIO_FORMATS = ['MP3', 'AAC', 'OPUS', 'FLAC', 'WAV'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export const VIDEO_PRESETS = ['PASSTHROUGH', 'WEB_OPTIMIZED', 'HLS'] as const;
export type VideoPreset = (typeof VIDEO_PRESETS)[number];

export const VIDEO_QUALITIES = ['P144', 'P240', 'P360', 'P480', 'P720', 'P1080'] as const;
export type VideoQuality = (typeof VIDEO_QUALITIES)[number];

/** Frame height of each quality; the width follows the source's aspect ratio (rounded to even). */
export const QUALITY_HEIGHT: Record<VideoQuality, number> = {
  P144: 144,
  P240: 240,
  P360: 360,
  P480: 480,
  P720: 720,
  P1080: 1080,
};

/** "P720" -> "720p", used in rendition names ("web-720p") and file names. */
export function qualityLabel(quality: VideoQuality): string {
  return `${QUALITY_HEIGHT[quality]}p`;
}

/**
 * One audio output, with every default already applied by the API's validation, except the
 * values that depend on the source: `sampleRate` and `channels` are null when the output keeps the
 * source's (the transcoder then picks the nearest value the codec supports).
 */
export interface AudioOutputSpec {
  kind: 'audio';
  name: string;
  format: AudioFormat;
  /** Lossy formats only (MP3, AAC, OPUS); null for FLAC and WAV. */
  bitrateKbps: number | null;
  sampleRate: number | null;
  channels: number | null;
  /** WAV and FLAC only: 16 or 24 (WAV also 32); null keeps 16 for WAV/FLAC output. */
  bitDepth: number | null;
}

export interface VideoOutputSpec {
  kind: 'video';
  name: string;
  preset: VideoPreset;
  /**
   * WEB_OPTIMIZED: one MP4 per quality. HLS: one ladder. PASSTHROUGH: ignored (empty).
   * Sorted from highest to lowest; never empty for WEB_OPTIMIZED and HLS.
   */
  qualities: VideoQuality[];
}

export type OutputSpec = AudioOutputSpec | VideoOutputSpec;

export interface JobSpec {
  outputs: OutputSpec[];
}

/**
 * A rendition is one file (or one HLS ladder) a job publishes. An audio output gives one; WEB_OPTIMIZED
 * gives one per quality, named "<name>-<quality>"; HLS and PASSTHROUGH give one.
 */
export interface RenditionSpec {
  /** Unique within the job, e.g. "mp3-192k", "web-720p", "hls". */
  name: string;
  /** Index of the output in `JobSpec.outputs` it comes from. */
  outputIndex: number;
  /** For WEB_OPTIMIZED, the single quality of this rendition. */
  quality: VideoQuality | null;
  /** File name of the rendition's main file: "mp3-192k.mp3", "web-720p.mp4", "hls/master.m3u8". */
  fileName: string;
  contentType: string;
}

export const AUDIO_CONTAINER: Record<AudioFormat, { extension: string; contentType: string }> = {
  MP3: { extension: 'mp3', contentType: 'audio/mpeg' },
  AAC: { extension: 'm4a', contentType: 'audio/mp4' },
  OPUS: { extension: 'opus', contentType: 'audio/ogg' },
  FLAC: { extension: 'flac', contentType: 'audio/flac' },
  WAV: { extension: 'wav', contentType: 'audio/wav' },
};

export const HLS_MASTER_FILE = 'master.m3u8';

/** Expands a job's outputs into the renditions it publishes, in request order. */
export function expandRenditions(spec: JobSpec): RenditionSpec[] {
  const renditions: RenditionSpec[] = [];
  spec.outputs.forEach((output, outputIndex) => {
    if (output.kind === 'audio') {
      const container = AUDIO_CONTAINER[output.format];
      renditions.push({
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}.${container.extension}`,
        contentType: container.contentType,
      });
    } else if (output.preset === 'WEB_OPTIMIZED') {
      for (const quality of output.qualities) {
        const name = `${output.name}-${qualityLabel(quality)}`;
        renditions.push({ name, outputIndex, quality, fileName: `${name}.mp4`, contentType: 'video/mp4' });
      }
    } else if (output.preset === 'HLS') {
      renditions.push({
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}/${HLS_MASTER_FILE}`,
        contentType: 'application/vnd.apple.mpegurl',
      });
    } else {
      renditions.push({
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}.mp4`,
        contentType: 'video/mp4',
      });
    }
  });
  return renditions;
}
