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
  /** Normalise to this loudness (EBU R128, two passes); absent or null: leave the level alone. */
  loudness?: LoudnessTarget | null;
}

/** The loudness an output is normalised to. */
export interface LoudnessTarget {
  /** -70 to -5 LUFS, e.g. -16 (podcasts), -23 (EBU R128 broadcast). */
  integratedLufs: number;
  /** -9 to 0 dBTP; the API fills in DEFAULT_TRUE_PEAK_DB (-1) when the request leaves it out. */
  truePeakDb: number;
}

export const DEFAULT_TRUE_PEAK_DB = -1;

/** A loudness measured on a produced file (EBU R128: integrated, true peak, loudness range). */
export interface LoudnessMeasurement {
  integratedLufs: number;
  truePeakDb: number;
  rangeLu: number;
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

export const IMAGE_KINDS = ['POSTER', 'THUMBNAILS', 'STORYBOARD'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

export const IMAGE_FORMATS = ['JPEG', 'PNG', 'WEBP'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const IMAGE_CONTAINER: Record<ImageFormat, { extension: string; contentType: string }> = {
  JPEG: { extension: 'jpg', contentType: 'image/jpeg' },
  PNG: { extension: 'png', contentType: 'image/png' },
  WEBP: { extension: 'webp', contentType: 'image/webp' },
};

export const DEFAULT_THUMBNAIL_COUNT = 10;
/** A storyboard without `count` gets one tile per this many seconds of source ... */
export const STORYBOARD_SECONDS_PER_TILE = 5;
/** ... and never more tiles than this. */
export const STORYBOARD_MAX_TILES = 400;
/** A storyboard tile's width when the request gives none (a scrubbing preview; never above the source's). */
export const STORYBOARD_DEFAULT_TILE_WIDTH = 240;

/**
 * One image output, with the API's defaults applied (format JPEG; THUMBNAILS count 10). The values that
 * depend on the source stay null and the transcoder resolves them: `width` null keeps the source's
 * width (a STORYBOARD's tiles: STORYBOARD_DEFAULT_TILE_WIDTH), `atSeconds` null means 10 % into the
 * source, a STORYBOARD's `count` null means one tile per STORYBOARD_SECONDS_PER_TILE (at most
 * STORYBOARD_MAX_TILES). `width` is never above the source's (the transcoder clamps it).
 */
export interface ImageOutputSpec {
  kind: 'image';
  name: string;
  imageKind: ImageKind;
  format: ImageFormat;
  width: number | null;
  /** POSTER only. */
  atSeconds: number | null;
  /** THUMBNAILS (1 to 100) and STORYBOARD (1 to 400) only. */
  count: number | null;
}

/** Peaks as JSON in the audiowaveform format, version 2 (what peaks.js and wavesurfer read). */
export interface WaveformOutputSpec {
  kind: 'waveform';
  name: string;
  /** 1 to 1000, default 20. */
  pixelsPerSecond: number;
  bits: 8 | 16;
}

export type OutputSpec = AudioOutputSpec | VideoOutputSpec | ImageOutputSpec | WaveformOutputSpec;

/**
 * A storyboard rendition is a directory like an HLS ladder: "<name>/storyboard.vtt" (the rendition's
 * main file, what its URL points at) and "<name>/sheet.<ext>" beside it. Each cue's text is the
 * relative URI "sheet.<ext>#xywh=x,y,w,h", so the API's route makes it resolve from the VTT's URL.
 */
export const STORYBOARD_VTT_FILE = 'storyboard.vtt';
export function storyboardSheetFile(format: ImageFormat): string {
  return `sheet.${IMAGE_CONTAINER[format].extension}`;
}
export const WEBVTT_CONTENT_TYPE = 'text/vtt';
export const WAVEFORM_CONTENT_TYPE = 'application/json';

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

/**
 * Expands a job's outputs into the renditions it publishes, in request order. An image POSTER gives
 * "<name>.<ext>"; THUMBNAILS give "<name>-1" ... "<name>-<count>"; a STORYBOARD gives one rendition
 * whose main file is "<name>/storyboard.vtt" (its sheet is a second file of the same rendition); a
 * waveform gives "<name>.json".
 */
export function expandRenditions(spec: JobSpec): RenditionSpec[] {
  const renditions: RenditionSpec[] = [];
  spec.outputs.forEach((output, outputIndex) => {
    if (output.kind === 'image') {
      renditions.push(...imageRenditions(output, outputIndex));
    } else if (output.kind === 'waveform') {
      renditions.push({
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}.json`,
        contentType: WAVEFORM_CONTENT_TYPE,
      });
    } else if (output.kind === 'audio') {
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

function imageRenditions(output: ImageOutputSpec, outputIndex: number): RenditionSpec[] {
  const { extension, contentType } = IMAGE_CONTAINER[output.format];
  const one = (name: string): RenditionSpec => ({ name, outputIndex, quality: null, fileName: `${name}.${extension}`, contentType });
  switch (output.imageKind) {
    case 'POSTER':
      return [one(output.name)];
    case 'THUMBNAILS':
      return Array.from({ length: output.count ?? DEFAULT_THUMBNAIL_COUNT }, (_, index) => one(`${output.name}-${index + 1}`));
    case 'STORYBOARD':
      return [{
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}/${STORYBOARD_VTT_FILE}`,
        contentType: WEBVTT_CONTENT_TYPE,
      }];
  }
}
