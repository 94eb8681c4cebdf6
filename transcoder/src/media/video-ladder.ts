import { QUALITY_HEIGHT, VIDEO_QUALITIES, qualityLabel, type VideoQuality } from '../../../protocol/job-spec.js';

/** One encoded picture size of a WEB_OPTIMIZED output or an HLS ladder. */
export interface VideoTarget {
  quality: VideoQuality;
  /** "720p": used in rendition names, HLS variant names and file names. */
  label: string;
  /** The output height: the quality's, or the source's (made even) when the source is smaller than 144p. */
  height: number;
  /** Peak video bitrate (VBV) on top of the CRF target, so a quality has a predictable ceiling. */
  maxrateKbps: number;
  audioBitrateKbps: number;
}

export interface QualitySelection {
  targets: VideoTarget[];
  /** Requested qualities that will not be produced because they would upscale the source. */
  dropped: VideoQuality[];
}

/** CRF 23 is x264's default quality; the maxrate caps keep a quality's bitrate bounded for streaming. */
export const X264_CRF = 23;
/**
 * veryfast: worker machines have a couple of shared vCPUs, and veryfast encodes several times faster
 * than the default `medium` for a modest bitrate cost, which the CRF/maxrate settings absorb.
 */
export const X264_PRESET = 'veryfast';

const LADDER: Record<VideoQuality, { maxrateKbps: number; audioBitrateKbps: number }> = {
  P1080: { maxrateKbps: 6000, audioBitrateKbps: 128 },
  P720: { maxrateKbps: 3000, audioBitrateKbps: 128 },
  P480: { maxrateKbps: 1500, audioBitrateKbps: 128 },
  P360: { maxrateKbps: 800, audioBitrateKbps: 96 },
  P240: { maxrateKbps: 450, audioBitrateKbps: 64 },
  P144: { maxrateKbps: 250, audioBitrateKbps: 64 },
};

/**
 * Picks the qualities to encode for a source `sourceHeight` pixels high (as displayed). Never upscales:
 * requested qualities above the source are dropped.
 *
 * When every requested quality is above the source we still deliver something rather than fail the
 * job: the highest standard quality that fits the source (a 480p source asked for 1080p/720p gets 480p),
 * and for sources below 144p, 144p capped at the source's height rounded down to even. The rendition
 * is then named after that quality, so it may not be one of the names the request listed.
 */
export function selectQualities(requested: readonly VideoQuality[], sourceHeight: number): QualitySelection {
  const fits = (quality: VideoQuality): boolean => QUALITY_HEIGHT[quality] <= sourceHeight;
  const kept = requested.filter(fits);
  const dropped = requested.filter((quality) => !fits(quality));
  if (kept.length > 0) return { targets: kept.map((quality) => target(quality, QUALITY_HEIGHT[quality])), dropped };

  const highestFitting = [...VIDEO_QUALITIES].reverse().find(fits);
  if (highestFitting) return { targets: [target(highestFitting, QUALITY_HEIGHT[highestFitting])], dropped };
  const lowest = VIDEO_QUALITIES[0];
  return { targets: [target(lowest, Math.max(2, floorEven(sourceHeight)))], dropped };
}

function target(quality: VideoQuality, height: number): VideoTarget {
  return { quality, label: qualityLabel(quality), height, ...LADDER[quality] };
}

/**
 * The width `scale=-2:<height>` produces: the source's aspect ratio, rounded to the nearest even number
 * the way ffmpeg's av_rescale does. Even because yuv420p cannot have odd dimensions.
 */
export function scaledWidth(height: number, sourceWidth: number, sourceHeight: number): number {
  return Math.max(2, Math.round((height * sourceWidth) / (sourceHeight * 2)) * 2);
}

function floorEven(value: number): number {
  return Math.floor(value / 2) * 2;
}

/** Faster sources are encoded at this rate: web players and the ladder's bitrates assume at most 60 fps. */
const MAX_FRAME_RATE = 60;

/**
 * The constant frame rate to encode at, as an ffmpeg rational: the source's average rate, capped at 60.
 * Converting variable-frame-rate phone footage to a constant rate keeps the GOP length (and so the HLS
 * keyframe alignment) exact. NTSC rates are written as n*1000/1001 so they do not drift.
 */
export function outputFrameRate(sourceFrameRate: number | null): string | null {
  if (sourceFrameRate === null) return null;
  const rate = Math.min(sourceFrameRate, MAX_FRAME_RATE);
  const rounded = Math.round(rate);
  if (Math.abs(rate - rounded) < 0.005) return String(rounded);
  const ntscBase = Math.round(rate * 1.001);
  if (Math.abs(rate - (ntscBase * 1000) / 1001) < 0.005) return `${ntscBase * 1000}/1001`;
  return rate.toFixed(3);
}

/** "30000/1001" -> 29.97. */
export function frameRateValue(rate: string): number {
  const [numerator, denominator = '1'] = rate.split('/');
  return Number(numerator) / Number(denominator);
}
