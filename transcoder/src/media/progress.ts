/**
 * ffmpeg's `-progress pipe:1` output: blocks of `key=value` lines, each closed by `progress=continue` or
 * `progress=end` (research §3.1). Audio-only runs print no frame/fps lines, values may be `N/A` or
 * padded with spaces, and `out_time_ms` holds microseconds, exactly like `out_time_us`.
 */
export interface ProgressSnapshot {
  /** Frames of the first video output stream; null for audio-only runs. */
  frame: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  /** Null for segment muxers such as HLS. */
  totalSizeBytes: number | null;
  /** Position of the most advanced output stream, in seconds. */
  outTimeSeconds: number | null;
  /** Times real time: 1.5 for "1.5x". */
  speed: number | null;
  dupFrames: number | null;
  dropFrames: number | null;
  /**
   * True on the block ffmpeg prints last. Not a success signal: ffmpeg also prints it when killed
   * with SIGTERM and when a truncated input simply ends early.
   */
  ended: boolean;
}

export interface ProgressParser {
  /** Feeds one line; returns a snapshot when the line closes a block. */
  push(line: string): ProgressSnapshot | null;
}

/** A stateful but I/O-free parser: feed it stdout lines in order. */
export function createProgressParser(): ProgressParser {
  let block = new Map<string, string>();
  return {
    push(line) {
      const separator = line.indexOf('=');
      if (separator <= 0) return null;
      const key = line.slice(0, separator).trim();
      const value = line.slice(separator + 1).trim();
      if (key !== 'progress') {
        block.set(key, value);
        return null;
      }
      const snapshot = toSnapshot(block, value === 'end');
      block = new Map();
      return snapshot;
    },
  };
}

/** Parses a whole recorded output; convenient for tests and logs. */
export function parseProgress(lines: Iterable<string>): ProgressSnapshot[] {
  const parser = createProgressParser();
  const snapshots: ProgressSnapshot[] = [];
  for (const line of lines) {
    const snapshot = parser.push(line);
    if (snapshot) snapshots.push(snapshot);
  }
  return snapshots;
}

function toSnapshot(block: Map<string, string>, ended: boolean): ProgressSnapshot {
  const number = (key: string): number | null => {
    const value = block.get(key);
    if (value === undefined) return null;
    const parsed = Number.parseFloat(value);
    return Number.isFinite(parsed) ? parsed : null;
  };
  return {
    frame: number('frame'),
    fps: number('fps'),
    bitrateKbps: number('bitrate'),
    totalSizeBytes: number('total_size'),
    outTimeSeconds: readOutTime(block, number),
    speed: number('speed'),
    dupFrames: number('dup_frames'),
    dropFrames: number('drop_frames'),
    ended,
  };
}

/** `out_time_us`, else `out_time_ms` (also microseconds; very old builds print only that one). */
function readOutTime(block: Map<string, string>, number: (key: string) => number | null): number | null {
  const microseconds = number('out_time_us') ?? number('out_time_ms');
  if (microseconds !== null) return microseconds >= 0 ? microseconds / 1e6 : null;
  const clock = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(block.get('out_time') ?? '');
  if (!clock) return null;
  return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
}

export interface ProgressReport {
  /** 0..PROGRESS_CAP_PERCENT, never lower than the previous report's. */
  percent: number;
  speed: number | null;
  etaSeconds: number | null;
  outTimeSeconds: number | null;
}

/**
 * The highest percent encoding alone may report. 100 is reserved for after the outputs are verified:
 * ffmpeg's last `out_time` rarely equals the duration, and exit 0 does not prove a complete output.
 */
export const PROGRESS_CAP_PERCENT = 99;

/**
 * Turns a snapshot into the job's progress, measured against the probed input duration. Pure.
 * `previous` is the last report of this attempt: percent never goes back, and a block with `N/A`
 * values keeps the last known position.
 */
export function computeProgress(
  snapshot: ProgressSnapshot,
  durationSeconds: number,
  previous: ProgressReport | null,
): ProgressReport {
  const outTimeSeconds = snapshot.outTimeSeconds ?? previous?.outTimeSeconds ?? null;
  const fraction = outTimeSeconds !== null && durationSeconds > 0 ? outTimeSeconds / durationSeconds : 0;
  const percent = Math.min(PROGRESS_CAP_PERCENT, Math.max(0, Math.floor(fraction * 1000) / 10));
  const speed = snapshot.speed !== null && snapshot.speed > 0 ? snapshot.speed : null;
  const remaining = outTimeSeconds === null ? durationSeconds : Math.max(0, durationSeconds - outTimeSeconds);
  return {
    percent: Math.max(percent, previous?.percent ?? 0),
    speed,
    etaSeconds: speed === null ? null : Math.round((remaining / speed) * 10) / 10,
    outTimeSeconds,
  };
}

/**
 * One snapshot standing for several runs over the same input (an audio-only job's parallel encodes,
 * some maybe not started yet): the mean position, where a finished run counts as the whole duration and
 * a waiting one as zero, and the summed speed of the running ones divided by the run count, so that
 * computeProgress' ETA is the remaining work over the current throughput. Null before any report.
 */
export function combineRuns(
  snapshots: ReadonlyArray<ProgressSnapshot | null>,
  durationSeconds: number,
): ProgressSnapshot | null {
  if (snapshots.length === 0 || snapshots.every((snapshot) => snapshot === null)) return null;
  if (snapshots.length === 1) return snapshots[0] ?? null;
  let position = 0;
  let speed = 0;
  for (const snapshot of snapshots) {
    if (snapshot?.ended) {
      position += durationSeconds;
    } else if (snapshot) {
      position += Math.min(snapshot.outTimeSeconds ?? 0, durationSeconds);
      speed += snapshot.speed ?? 0;
    }
  }
  return {
    frame: null,
    fps: null,
    bitrateKbps: null,
    totalSizeBytes: null,
    outTimeSeconds: position / snapshots.length,
    speed: speed > 0 ? speed / snapshots.length : null,
    dupFrames: null,
    dropFrames: null,
    ended: snapshots.every((snapshot) => snapshot?.ended === true),
  };
}
