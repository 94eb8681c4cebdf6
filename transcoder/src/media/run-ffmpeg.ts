import type { Readable } from 'node:stream';
import { execa, ExecaError } from 'execa';
import { resolveBinaries } from './binaries.js';
import { MediaError } from './errors.js';
import { createProgressParser, type ProgressSnapshot } from './progress.js';
import { StderrTail } from './stderr-tail.js';
import { limitThreads, threadLimitFromEnv } from './thread-limit.js';

export interface RunFfmpegOptions {
  /** Defaults to the binary found by `resolveBinaries()`; tests pass stand-in scripts. */
  ffmpegPath?: string;
  /** Aborting it stops ffmpeg (SIGTERM, then SIGKILL after `killGraceMs`); the run ends with CANCELED. */
  signal?: AbortSignal;
  /** Called for every progress block, in order. Must not throw. */
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** ffmpeg is killed (STALLED) when no progress block moves forward for this long. @default 120_000 */
  stallMs?: number;
  /** Delay between SIGTERM and SIGKILL. @default 5_000 */
  killGraceMs?: number;
  /**
   * Reads what ffmpeg writes to its fd 3 (`pipe:3`, the waveform PCM). It must keep reading until the
   * stream ends (ffmpeg blocks on a full pipe); its rejection stops ffmpeg and is rethrown.
   */
  fd3?: (stream: Readable) => Promise<void>;
  /**
   * Fed to ffmpeg's stdin (args read it as `pipe:0`): a source still being downloaded. Its error stops
   * ffmpeg and is rethrown (the caller reports the download's failure); ffmpeg leaving early just stops
   * the feeding. Bytes arriving count as progress for the stall watchdog: ffmpeg waiting on a source
   * that is still coming is not stalled.
   */
  stdin?: Readable;
}

export interface RunFfmpegResult {
  /** The last progress block ffmpeg printed. */
  lastProgress: ProgressSnapshot | null;
  /** The redacted end of stderr, for logs: warnings can matter even when ffmpeg succeeds. */
  stderrTail: string;
  durationMs: number;
}

/**
 * Runs ffmpeg with `args` (which must include `-progress pipe:1`, as buildFfmpegArgs' do), reporting
 * progress and enforcing cancellation and a stall watchdog. Resolving means ffmpeg exited 0, which does
 * NOT prove the outputs are complete: call verifyOutputs before publishing them.
 *
 * @throws MediaError CANCELED, STALLED or FFMPEG_FAILED, with the redacted stderr tail attached.
 */
export async function runFfmpeg(args: readonly string[], options: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  if (options.signal?.aborted) throw new MediaError('CANCELED', 'The job was canceled.');
  const stallMs = options.stallMs ?? 120_000;
  const binary = options.ffmpegPath ?? (await resolveBinaries()).ffmpeg;
  const stall = new AbortController();
  const feedFailed = new AbortController();
  const cancelSignal = AbortSignal.any([stall.signal, feedFailed.signal, ...(options.signal ? [options.signal] : [])]);

  const subprocess = execa(binary, limitThreads(args, threadLimitFromEnv()), {
    cancelSignal,
    forceKillAfterDelay: options.killGraceMs ?? 5_000,
    // Progress is consumed line by line and stderr through a bounded tail: nothing grows without limit.
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(options.fd3 ? ['pipe' as const] : [])],
    buffer: false,
  });
  let feedError: unknown = null;
  if (options.stdin) {
    feedStdin(options.stdin, subprocess.stdin!, (error) => {
      feedError = error;
      feedFailed.abort();
    });
  }
  const stderr = new StderrTail();
  subprocess.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const fd3 = options.fd3 ? consumeFd3(subprocess.stdio[3] as Readable, options.fd3, () => subprocess.kill()) : null;

  // The watchdog restarts only when a block moves forward, so ffmpeg printing the same position over
  // and over (a blocked input, a wedged filter) still counts as a stall.
  let watchdog = setTimeout(() => stall.abort(), stallMs);
  const fed = () => watchdog.refresh();
  options.stdin?.on('data', fed);
  const parser = createProgressParser();
  let lastProgress: ProgressSnapshot | null = null;
  try {
    for await (const line of subprocess.iterable({ from: 'stdout' })) {
      const snapshot = parser.push(line);
      if (!snapshot) continue;
      if (movedForward(snapshot, lastProgress)) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => stall.abort(), stallMs);
      }
      lastProgress = snapshot;
      options.onProgress?.(snapshot);
    }
    const result = await subprocess;
    await fd3?.done;
    return { lastProgress, stderrTail: stderr.text(), durationMs: result.durationMs };
  } catch (error) {
    if (feedError) throw feedError;
    const sinkError = await fd3?.failure;
    if (sinkError) {
      subprocess.kill();
      await subprocess.catch(() => undefined);
      throw sinkError;
    }
    if (!(error instanceof ExecaError)) {
      // onProgress threw: do not leave ffmpeg running behind the caller's back.
      subprocess.kill();
      await subprocess.catch(() => undefined);
      throw error;
    }
    throw toMediaError(error, { stalled: stall.signal.aborted, stallMs, stderr });
  } finally {
    options.stdin?.off('data', fed);
    clearTimeout(watchdog);
  }
}

/**
 * Pipes `source` into ffmpeg's stdin. ffmpeg may close its stdin early (it failed, or it was stopped):
 * the resulting EPIPE is not an error of the run. A failing source stops ffmpeg through `stop`.
 */
function feedStdin(source: Readable, stdin: NodeJS.WritableStream & { destroy(): void }, stop: (error: unknown) => void): void {
  stdin.on('error', () => source.destroy());
  source.on('error', (error) => {
    stdin.destroy();
    stop(error);
  });
  source.pipe(stdin);
}

/** Runs the fd 3 reader; a failure kills ffmpeg, so the main loop ends and rethrows it. */
function consumeFd3(
  stream: Readable,
  reader: (stream: Readable) => Promise<void>,
  kill: () => void,
): { done: Promise<void>; failure: Promise<unknown> } {
  let failed: unknown = null;
  const done = reader(stream).catch((error: unknown) => {
    failed = error;
    // Keep draining so ffmpeg is not blocked on a full pipe while it is being stopped.
    stream.resume();
    kill();
    throw error;
  });
  return { done, failure: done.then(() => null, () => failed) };
}

function movedForward(snapshot: ProgressSnapshot, previous: ProgressSnapshot | null): boolean {
  if (previous === null) return true;
  const grew = (key: 'outTimeSeconds' | 'frame' | 'totalSizeBytes'): boolean =>
    (snapshot[key] ?? -1) > (previous[key] ?? -1);
  return grew('outTimeSeconds') || grew('frame') || grew('totalSizeBytes');
}

function toMediaError(
  error: ExecaError,
  context: { stalled: boolean; stallMs: number; stderr: StderrTail },
): MediaError {
  const stderrTail = context.stderr.text();
  if (context.stalled) {
    const seconds = Math.round(context.stallMs / 1000);
    return new MediaError('STALLED', `Transcoding made no progress for ${seconds} s and was stopped.`, {
      stderrTail,
      cause: error,
    });
  }
  if (error.isCanceled) return new MediaError('CANCELED', 'The job was canceled.', { stderrTail, cause: error });
  if (error.code === 'ENOENT' || error.code === 'EACCES') {
    return new MediaError('FFMPEG_FAILED', 'ffmpeg could not be started.', { stderrTail, cause: error });
  }
  const exit = error.signal ? `killed by ${error.signal}` : `exit code ${error.exitCode}`;
  const reason = context.stderr.lastLine() ?? exit;
  return new MediaError('FFMPEG_FAILED', `Transcoding failed: ${reason}`, { stderrTail, cause: error });
}
