import type { ImageKind, LoudnessInput, OutputInput } from '../client/generated/graphql.js';
import { UsageError } from './usage-error.js';

/**
 * The CLI's --image and --loudness values, parsed strictly. Ranges (count 1 to 100, LUFS -70 to -5)
 * are left to the API, whose ValidationError names the field and comes back naming the flag.
 *
 *   --image poster[:<seconds>]      one frame, at that second (default 10 % in)
 *   --image thumbnails[:<count>]    evenly spaced frames, one output each (default 10)
 *   --image storyboard[:<tiles>]    a sprite sheet plus its WebVTT index (default one tile per 5 s)
 *   --loudness [<LUFS>]             normalise the audio outputs; bare: -16 (podcasts)
 */
export class ImageSpecError extends UsageError {
  override name = 'ImageSpecError';
}

export const DEFAULT_CLI_LOUDNESS_LUFS = -16;

const KINDS: Readonly<Record<string, ImageKind>> = { poster: 'POSTER', thumbnails: 'THUMBNAILS', thumbnail: 'THUMBNAILS', storyboard: 'STORYBOARD' };

/** Parses one `--image` value. */
export function parseImageSpec(spec: string): OutputInput {
  const fail = (problem: string) => new ImageSpecError(`--image "${spec}": ${problem}`);
  const [kindText = '', value, ...extra] = spec.split(':');
  if (extra.length > 0) throw fail('too many fields; expected poster[:<seconds>], thumbnails[:<count>] or storyboard[:<tiles>]');
  const kind = KINDS[kindText.toLowerCase()];
  if (!kind) throw fail(`unknown kind "${kindText}"; expected poster, thumbnails or storyboard`);
  if (value === undefined) return { image: { kind } };
  if (kind === 'POSTER') {
    if (!/^\d+(\.\d+)?s?$/.test(value)) throw fail(`"${value}" is not a time in seconds like 12 or 12.5`);
    return { image: { kind, atSeconds: Number(value.replace(/s$/, '')) } };
  }
  if (!/^\d{1,4}$/.test(value)) throw fail(`"${value}" is not a count like 12`);
  return { image: { kind, count: Number(value) } };
}

/** Parses the `--loudness` value: `true` (the bare flag) is -16 LUFS. */
export function parseLoudness(value: string | true): LoudnessInput {
  if (value === true) return { integratedLufs: DEFAULT_CLI_LOUDNESS_LUFS };
  const text = value.trim().replace(/\s*lufs$/i, '');
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) {
    throw new ImageSpecError(`--loudness "${value}": not a loudness in LUFS like -16 (a bare --loudness before the file is -16; or write --loudness=-16)`);
  }
  const lufs = Number(text);
  if (lufs > 0) throw new ImageSpecError(`--loudness "${value}": LUFS targets are negative; did you mean -${lufs}?`);
  return { integratedLufs: lufs };
}
