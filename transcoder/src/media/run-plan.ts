import { access, mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FfmpegPlan } from './plan.js';
import { combineRuns, computeProgress, type ProgressReport, type ProgressSnapshot } from './progress.js';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg.js';
import { writeWaveforms } from './waveform-sink.js';

/** A source still arriving at `file`: the runs read it from `open()` through their stdin instead. */
export interface StreamedInput {
  /** The plan's input file (`FfmpegPaths.input`). */
  file: string;
  /** A fresh stream of the whole file, from its first byte; one per run. */
  open(): Readable;
  /** Settles when the file is complete: steps after the runs (image fallbacks) read the file itself. */
  complete: Promise<unknown>;
}

export interface RunPlanOptions extends Omit<RunFfmpegOptions, 'onProgress' | 'stdin'> {
  /** Called whenever the job's progress changes; percent stays below 100 until verification. */
  onProgress?: (report: ProgressReport) => void;
  /** How many ffmpeg processes may run at once. @default os.availableParallelism() */
  concurrency?: number;
  /** Feed the input from a download still in progress (only for formats read front to back). */
  streamedInput?: StreamedInput;
}

/**
 * Runs every ffmpeg process of a plan: creates the directories it needs, runs the processes (several
 * at once for audio-only jobs), and folds their progress into one report against the source duration.
 * The first failure stops the other processes and is rethrown. Then writes what the runs do not: the
 * waveforms' JSON (from the PCM a run pipes out), storyboards' WebVTT indexes, and the exact-frame
 * fallback for any poster or thumbnail whose window held no usable frame. Call verifyOutputs afterwards.
 *
 * @throws MediaError CANCELED, STALLED or FFMPEG_FAILED (from runFfmpeg).
 */
export async function runPlan(plan: FfmpegPlan, outputDir: string, options: RunPlanOptions = {}): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  for (const directory of plan.directories) await mkdir(path.join(outputDir, directory), { recursive: true });

  const stopOthers = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopOthers.signal]) : stopOthers.signal;
  const latest: Array<ProgressSnapshot | null> = plan.runs.map(() => null);
  let report: ProgressReport | null = null;
  const onSnapshot = (index: number, snapshot: ProgressSnapshot): void => {
    latest[index] = snapshot;
    const combined = combineRuns(latest, plan.sourceDurationSeconds);
    if (!combined) return;
    const next = computeProgress(combined, plan.sourceDurationSeconds, report);
    if (next.percent !== report?.percent || next.speed !== report.speed) options.onProgress?.(next);
    report = next;
  };

  let nextRun = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let index = nextRun++; index < plan.runs.length; index = nextRun++) {
      const run = plan.runs[index];
      if (!run || failures.length > 0) return;
      try {
        const pcm = run.pcm;
        const streamed = options.streamedInput ? pipedInput(run.args, options.streamedInput.file) : null;
        await runFfmpeg(streamed ?? run.args, {
          ...options,
          ...(streamed ? { stdin: options.streamedInput!.open() } : {}),
          signal,
          onProgress: (snapshot) => onSnapshot(index, snapshot),
          ...(pcm ? { fd3: (stream) => writeWaveforms(stream, pcm, outputDir) } : {}),
        });
      } catch (error) {
        // The first failure is the cause; the runs it stops end CANCELED.
        failures.push(error);
        stopOthers.abort();
        return;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), plan.runs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failures.length > 0) throw failures[0];

  await options.streamedInput?.complete;
  for (const file of plan.textFiles) await writeFile(path.join(outputDir, file.path), file.content);
  for (const fallback of plan.imageFallbacks) {
    const written = await access(path.join(outputDir, fallback.fileName)).then(() => true, () => false);
    if (!written) {
      await runFfmpeg(fallback.args, { ffmpegPath: options.ffmpegPath, signal: options.signal, stallMs: options.stallMs, killGraceMs: options.killGraceMs });
    }
  }
}

/**
 * A run's arguments with the input file (`-i file:<input>`, see `inputArgs`) read from stdin instead,
 * through the `pipe` protocol only; null when the run does not read the input.
 */
export function pipedInput(args: readonly string[], input: string): string[] | null {
  const index = args.findIndex((arg, at) => arg === `file:${path.resolve(input)}` && args[at - 1] === '-i');
  const whitelist = args.lastIndexOf('-protocol_whitelist', index);
  if (index < 0 || whitelist < 0 || args[whitelist + 1] !== 'file') return null;
  const piped = [...args];
  piped[whitelist + 1] = 'pipe';
  piped[index] = 'pipe:0';
  return piped;
}
