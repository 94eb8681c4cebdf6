import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  combineRuns,
  computeProgress,
  createProgressParser,
  parseProgress,
  PROGRESS_CAP_PERCENT,
  type ProgressReport,
  type ProgressSnapshot,
} from '../../../transcoder/src/media/index.js';

/** Real `-progress pipe:1` output recorded from ffmpeg 5.1.9 (see the file names for the runs). */
function recording(name: string): string[] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').split('\n');
}

function snapshot(overrides: Partial<ProgressSnapshot>): ProgressSnapshot {
  return {
    frame: null, fps: null, bitrateKbps: null, totalSizeBytes: null, outTimeSeconds: null,
    speed: null, dupFrames: null, dropFrames: null, ended: false, ...overrides,
  };
}

describe('progress parser', () => {
  it('reads an audio-only run, which has no frame or fps lines, and treats N/A as unknown', () => {
    const snapshots = parseProgress(recording('progress-audio-mp3.txt'));
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]).toEqual(snapshot({ totalSizeBytes: 671, outTimeSeconds: 0, dupFrames: 0, dropFrames: 0 }));
    expect(snapshots[1]).toMatchObject({ frame: null, fps: null, bitrateKbps: 195.4, speed: 108, ended: true });
    expect(snapshots[1]?.outTimeSeconds).toBeCloseTo(3.005147, 6);
  });

  it('reads a video run block by block, ending with progress=end', () => {
    const snapshots = parseProgress(recording('progress-video-mp4.txt'));
    expect(snapshots.map((entry) => entry.frame)).toEqual([1, 16, 31, 46, 62, 77, 90]);
    expect(snapshots.map((entry) => entry.ended)).toEqual([false, false, false, false, false, false, true]);
    expect(snapshots[2]).toMatchObject({ fps: 28.07, speed: 0.947, outTimeSeconds: 1.045333 });
  });

  it('reads an HLS ladder run, whose total_size and bitrate stay N/A', () => {
    const snapshots = parseProgress(recording('progress-hls-ladder.txt'));
    expect(snapshots.every((entry) => entry.totalSizeBytes === null && entry.bitrateKbps === null)).toBe(true);
    expect(snapshots.at(-1)).toMatchObject({ frame: 90, outTimeSeconds: 3.008, ended: true });
  });

  it('treats out_time_ms as microseconds, like out_time_us', () => {
    const parser = createProgressParser();
    parser.push('out_time_ms=2500000');
    expect(parser.push('progress=continue')?.outTimeSeconds).toBe(2.5);
  });

  it('keeps an unknown position when out_time_us is N/A or the old negative sentinel', () => {
    const lines = ['out_time_us=N/A', 'out_time=N/A', 'speed=N/A', 'progress=continue'];
    lines.push('out_time_ms=-9223372036854775807', 'speed=   0x', 'progress=continue');
    const [first, second] = parseProgress(lines);
    expect(first).toMatchObject({ outTimeSeconds: null, speed: null });
    expect(second).toMatchObject({ outTimeSeconds: null, speed: 0 });
  });

  it('falls back to the out_time clock when no microsecond value is printed', () => {
    const [only] = parseProgress(['out_time=01:02:03.500000', 'progress=end']);
    expect(only?.outTimeSeconds).toBe(3723.5);
  });
});

describe('computeProgress', () => {
  it('measures percent, speed and ETA against the probed duration', () => {
    const report = computeProgress(snapshot({ outTimeSeconds: 30, speed: 2 }), 120, null);
    expect(report).toEqual({ percent: 25, speed: 2, etaSeconds: 45, outTimeSeconds: 30 });
  });

  it('stays below 100 even when the last block passes the duration', () => {
    const report = computeProgress(snapshot({ outTimeSeconds: 3.008, ended: true }), 3, null);
    expect(report.percent).toBe(PROGRESS_CAP_PERCENT);
  });

  it('never decreases, and keeps the last position through N/A blocks', () => {
    let previous: ProgressReport | null = null;
    const percents: number[] = [];
    for (const outTimeSeconds of [0, 10, 30, null, 20, 40]) {
      previous = computeProgress(snapshot({ outTimeSeconds }), 100, previous);
      percents.push(previous.percent);
    }
    expect(percents).toEqual([0, 10, 30, 30, 30, 40]);
  });

  it('never decreases over a real recorded run', () => {
    let previous: ProgressReport | null = null;
    for (const entry of parseProgress(recording('progress-video-mp4.txt'))) {
      const next = computeProgress(entry, 3, previous);
      expect(next.percent).toBeGreaterThanOrEqual(previous?.percent ?? 0);
      previous = next;
    }
    expect(previous?.percent).toBe(PROGRESS_CAP_PERCENT);
  });

  it('gives no ETA while the speed is unknown or zero', () => {
    expect(computeProgress(snapshot({ outTimeSeconds: 1, speed: 0 }), 10, null).etaSeconds).toBeNull();
    expect(computeProgress(snapshot({ outTimeSeconds: 1 }), 10, null).etaSeconds).toBeNull();
  });
});

describe('combineRuns', () => {
  it('averages parallel runs, counting finished runs as done and waiting ones as not started', () => {
    const combined = combineRuns(
      [snapshot({ outTimeSeconds: 10, ended: true }), snapshot({ outTimeSeconds: 4, speed: 2 }), null],
      10,
    );
    expect(combined).toMatchObject({ outTimeSeconds: 14 / 3, ended: false });
    expect(combined?.speed).toBeCloseTo(2 / 3, 6);
  });

  it('passes a single run through unchanged and gives nothing before any report', () => {
    const only = snapshot({ outTimeSeconds: 1, frame: 30 });
    expect(combineRuns([only], 10)).toBe(only);
    expect(combineRuns([null, null], 10)).toBeNull();
  });
});
