import { frameRateValue, outputFrameRate } from './video-ladder.js';

/**
 * The output keyframe grid, in seconds: Apple's HLS authoring guidance recommends 6 s segments, and
 * every WEB_OPTIMIZED and HLS encode forces a keyframe each this many seconds of the SOURCE timeline.
 * A split job cuts only on this grid, so its parts place keyframes exactly where one run would.
 */
export const KEYFRAME_GRID_SECONDS = 6;

/**
 * A fixed GOP of one grid step, keyframes forced on the grid and no scene-cut keyframes: every rendition
 * (and every part of a split job) has keyframes at the same instants, so players can switch variants at
 * any segment and parts join on a keyframe.
 *
 * `offsetSeconds` is where the encode starts on the source timeline (a part's cut; 0 for a whole run):
 * the part's own timeline starts at 0, so the grid is shifted back by how far the cut lies past its grid
 * point (zero when the cut is on a frame of the grid, a fraction of a frame for NTSC rates).
 */
export function keyframeGridArgs(sourceFrameRate: number | null, offsetSeconds = 0): string[] {
  const rate = outputFrameRate(sourceFrameRate);
  const gop = String(Math.round((rate ? frameRateValue(rate) : 30) * KEYFRAME_GRID_SECONDS));
  const past = offsetSeconds - Math.floor(offsetSeconds / KEYFRAME_GRID_SECONDS + 1e-9) * KEYFRAME_GRID_SECONDS;
  const shift = past > 1e-6 ? `-${past.toFixed(6)}` : '';
  return [
    '-g', gop,
    '-keyint_min', gop,
    '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_GRID_SECONDS}${shift})`,
  ];
}
