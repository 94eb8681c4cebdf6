/**
 * The split-and-stitch time model of bench:split: from times measured on a short source, the wall time
 * of one job (startJob -> COMPLETED) on N machines for a source of any length.
 *
 * - 1 machine (or fewer than 2 parts): a machine starts, runs the job whole: start + whole x scale.
 * - N machines: a machine starts and plans (download, probe, keyframes: scales with the source), then
 *   reports the split; the scheduler starts the other N-1 machines, ready one start time later. The
 *   tasks, in claim order (parts 1..N, then AUDIO), go to whichever machine is free first. A machine
 *   downloads the whole source once (the download scales with the source), before its first task: the
 *   planner's machine already holds it, and a machine keeps it for its next task of the job. A part then
 *   costs its encode (seconds per source second, measured, times its length); the audio task's work
 *   scales with the source. Once all are done the first free machine stitches (download parts, concat,
 *   upload: scales with the source).
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
  /** A task's download of the whole source, on a machine that did not hold it yet. */
  downloadSeconds: number;
  /** A video part, claim to finish less its download, per second of source it covers. */
  partSecondsPerSourceSecond: number;
  /** The audio task, claim to finish less its download. */
  audioSeconds: number;
  /** The stitch, claim to finish. */
  stitchSeconds: number;
}

export function predictSeconds(timings: SplitTimings, machines: number, durationSeconds: number, minPartSeconds = 60): number {
  const scale = durationSeconds / timings.sourceSeconds;
  const parts = Math.min(machines, Math.floor(durationSeconds / minPartSeconds));
  if (machines <= 1 || parts < 2) return timings.machineStartSeconds + timings.wholeSeconds * scale;

  const splitAt = timings.machineStartSeconds + timings.plannerSeconds * scale;
  // Each machine: when it is free, and whether it holds the source (the planner's does).
  const pool = [{ free: splitAt, hasSource: true }, ...Array.from({ length: machines - 1 }, () => ({ free: splitAt + timings.machineStartSeconds, hasSource: false }))];
  const tasks = [...Array.from({ length: parts }, () => timings.partSecondsPerSourceSecond * (durationSeconds / parts)), timings.audioSeconds * scale];
  let allDone = 0;
  for (const cost of tasks) {
    const machine = pool.reduce((earliest, candidate) => (candidate.free < earliest.free ? candidate : earliest));
    machine.free += (machine.hasSource ? 0 : timings.downloadSeconds * scale) + cost;
    machine.hasSource = true;
    allDone = Math.max(allDone, machine.free);
  }
  return Math.max(allDone, Math.min(...pool.map((machine) => machine.free))) + timings.stitchSeconds * scale;
}
