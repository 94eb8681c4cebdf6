import { z } from 'zod';
import {
  DEFAULT_THUMBNAIL_COUNT,
  IMAGE_FORMATS,
  IMAGE_KINDS,
  STORYBOARD_MAX_TILES,
  type ImageOutputSpec,
  type WaveformOutputSpec,
} from '../../../protocol/job-spec.js';
import { ValidationError } from '../errors.js';

/**
 * The `image` and `waveform` members of OutputInput: their zod shapes (ranges that hold whatever the
 * kind, so the error's field is the input path) and the rules that depend on the kind. Defaults that
 * depend on the source (width, poster time, storyboard tiles) stay null for the transcoder.
 */

export const MIN_IMAGE_WIDTH = 16;
export const MAX_IMAGE_WIDTH = 3840;
export const MAX_THUMBNAILS = 100;
export const DEFAULT_PIXELS_PER_SECOND = 20;

const range = (min: number, max: number) => `must be from ${min} to ${max}`;

export const imageInputSchema = (name: z.ZodType<string | null | undefined>) =>
  z.object({
    name,
    kind: z.enum(IMAGE_KINDS),
    format: z.enum(IMAGE_FORMATS).nullish(),
    width: z.number().int().min(MIN_IMAGE_WIDTH, range(MIN_IMAGE_WIDTH, MAX_IMAGE_WIDTH)).max(MAX_IMAGE_WIDTH, range(MIN_IMAGE_WIDTH, MAX_IMAGE_WIDTH)).nullish(),
    atSeconds: z.number().finite().min(0, 'must be 0 or more (seconds into the source)').nullish(),
    count: z.number().int().nullish(),
  });

export const waveformInputSchema = (name: z.ZodType<string | null | undefined>) =>
  z.object({
    name,
    pixelsPerSecond: z.number().int().min(1, range(1, 1000)).max(1000, range(1, 1000)).nullish(),
    bits: z
      .number()
      .int()
      .refine((bits) => bits === 8 || bits === 16, 'must be 8 or 16')
      .nullish(),
  });

export type ImageInput = z.infer<ReturnType<typeof imageInputSchema>>;
export type WaveformInput = z.infer<ReturnType<typeof waveformInputSchema>>;

/** The rules that depend on the kind: which fields apply, and the range of `count`. */
export function validateImage(image: ImageInput, path: string): ImageOutputSpec | ValidationError {
  const count = image.count ?? null;
  const atSeconds = image.atSeconds ?? null;
  if (atSeconds !== null && image.kind !== 'POSTER') {
    return new ValidationError(`${path}.atSeconds applies to POSTER only; ${image.kind} frames are spaced over the source`, `${path}.atSeconds`);
  }
  if (image.kind === 'POSTER' && count !== null) {
    return new ValidationError(`${path}.count does not apply to POSTER, which is one frame`, `${path}.count`);
  }
  if (image.kind === 'THUMBNAILS' && count !== null && (count < 1 || count > MAX_THUMBNAILS)) {
    return new ValidationError(`${path}.count must be from 1 to ${MAX_THUMBNAILS} for THUMBNAILS`, `${path}.count`);
  }
  if (image.kind === 'STORYBOARD' && count !== null && (count < 1 || count > STORYBOARD_MAX_TILES)) {
    return new ValidationError(`${path}.count must be from 1 to ${STORYBOARD_MAX_TILES} tiles for STORYBOARD`, `${path}.count`);
  }
  return {
    kind: 'image',
    name: '',
    imageKind: image.kind,
    format: image.format ?? 'JPEG',
    width: image.width ?? null,
    atSeconds,
    count: image.kind === 'THUMBNAILS' ? (count ?? DEFAULT_THUMBNAIL_COUNT) : count,
  };
}

export function validateWaveform(waveform: WaveformInput): WaveformOutputSpec {
  return {
    kind: 'waveform',
    name: '',
    pixelsPerSecond: waveform.pixelsPerSecond ?? DEFAULT_PIXELS_PER_SECOND,
    bits: waveform.bits === 16 ? 16 : 8,
  };
}

/** "poster", "thumbnails", "storyboard" (thumbnails then publish "thumbnails-1" ...), "waveform". */
export function defaultImageName(output: ImageOutputSpec | WaveformOutputSpec): string {
  if (output.kind === 'waveform') return 'waveform';
  return { POSTER: 'poster', THUMBNAILS: 'thumbnails', STORYBOARD: 'storyboard' }[output.imageKind];
}
