/**
 * The split-and-stitch time model of bench:split: from times measured on a short source, the wall time
 * of one job (startJob -> COMPLETED) on N machines for a source of any length.
 *
 * - 1 machine (or fewer than 2 parts): a machine starts, runs the job whole: start + whole x scale.
 * - N machines: a machine starts and plans (download, probe, keyframes: scales with the source), then
 *   reports the split; the scheduler starts the other N-1 machines, ready one start time later. The
 *   tasks (AUDIO first, then parts 1..N) go to whichever machine is free first. A part costs a whole-
 *   source overhead (it downloads the source: the planner's time, scaled) plus its encode (seconds per
 *   source second, measured, times its length); the audio task scales with the source. Once all are
 *   done the first free machine stitches (download parts, concat, upload: scales with the source).
 *
 * `scale` is the source's length over the measured one. Pure.
 */
export interface SplitTimings {
  /** Length of the measured source. */
  sourceSeconds: number;
  /** Worker process (machine) start: spawn to ready. */
  machineStartSeconds: number;
  /** The whole job on one machine: claim to finish. */
  wholeSeconds: number;
  /** The planner: claim to the split reported (download, probe, keyframes). */
  plannerSeconds: number;
  /** A video part, claim to finish, per second of source it covers (its download included). */
  partSecondsPerSourceSecond: number;
  /** The audio task, claim to finish. */
  audioSeconds: number;
  /** The stitch, claim to finish. */
  stitchSeconds: number;
}

export function predictSeconds(timings: SplitTimings, machines: number, durationSeconds: number, minPartSeconds = 60): number {
  const scale = durationSeconds / timings.sourceSeconds;
  const parts = Math.min(machines, Math.floor(durationSeconds / minPartSeconds));
  if (machines <= 1 || parts < 2) return timings.machineStartSeconds + timings.wholeSeconds * scale;

  const splitAt = timings.machineStartSeconds + timings.plannerSeconds * scale;
  const free = [splitAt, ...Array.from({ length: machines - 1 }, () => splitAt + timings.machineStartSeconds)];
  // The measured per-second part cost includes that part's download of the whole (measured) source.
  const measuredPartLength = timings.sourceSeconds / 2;
  const overhead = timings.plannerSeconds;
  const encodePerSecond = Math.max(0, timings.partSecondsPerSourceSecond - overhead / measuredPartLength);
  const tasks = [timings.audioSeconds * scale, ...Array.from({ length: parts }, () => overhead * scale + encodePerSecond * (durationSeconds / parts))];
  let allDone = 0;
  for (const cost of tasks) {
    const machine = free.indexOf(Math.min(...free));
    free[machine] = free[machine]! + cost;
    allDone = Math.max(allDone, free[machine]!);
  }
  return Math.max(allDone, Math.min(...free)) + timings.stitchSeconds * scale;
}
