import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * A source being downloaded to a file, which can be read while it arrives. `follow()` streams the
 * file from its start as far as it is written, waits for more, and ends when the download does; so
 * ffmpeg can start on a source whose format is read front to back (WAV) long before the last byte is
 * in, while the download itself runs at full speed to disk, never held back by ffmpeg's pace, and an
 * ffmpeg that stops early never stops the download.
 */
export interface SourceDownload {
  /** Resolves with the byte count once the whole file is on disk; rejects if the download fails. */
  readonly done: Promise<number>;
  /** Bytes on disk so far. */
  readonly written: number;
  /** The download's error once it failed, else null (no waiting). */
  readonly failure: unknown;
  /** Resolves once `bytes` are on disk (or the download ended); rejects if it failed before that. */
  waitFor(bytes: number): Promise<void>;
  /** The file's bytes, from the start, as they are written. Errors if the download fails. */
  follow(): Readable;
  /** Stops the download (the job is ending); `done` rejects unless it had already finished. */
  abort(): void;
}

/** Starts streaming `url` into `file` (never whole in memory); `onBytes` sees every arrival. */
export function startDownload(url: string, file: string, options: { signal?: AbortSignal; onBytes?: (bytes: number) => void; expectedBytes?: number }): SourceDownload {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let written = 0;
  let finished = false;
  let failure: unknown = null;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const waiter of woken) waiter();
  };

  const done = (async () => {
    let handle: FileHandle | null = await open(file, 'w');
    try {
      const response = await fetch(url, { signal });
      if (!response.ok || !response.body) throw new Error(`source download failed: HTTP ${response.status}`);
      const sink = new Writable({
        // Counted only once on disk, so a follower never reads past what the file holds.
        writev(chunks, callback) {
          const buffers = chunks.map(({ chunk }) => chunk as Buffer);
          handle!.writev(buffers, written).then(({ bytesWritten }) => {
            written += bytesWritten;
            options.onBytes?.(written);
            wake();
            callback();
          }, callback);
        },
      });
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), sink, { signal });
      await handle.close();
      handle = null;
      if (options.expectedBytes !== undefined && written !== options.expectedBytes) {
        throw new Error(`source download was ${written} bytes, expected ${options.expectedBytes}`);
      }
      return written;
    } catch (error) {
      await handle?.close().catch(() => {});
      failure = error;
      throw error;
    } finally {
      finished = true;
      wake();
    }
  })();
  // Callers that never wait (a job that fails before) must not leave an unhandled rejection behind.
  done.catch(() => {});

  const waitFor = async (bytes: number): Promise<void> => {
    while (written < bytes && !finished) await new Promise<void>((resolve) => waiters.push(resolve));
    if (failure) throw failure;
  };

  return {
    done,
    get written() {
      return written;
    },
    get failure() {
      return failure;
    },
    waitFor,
    follow: () => followFile(file, { waitFor, isFinished: () => finished && !failure, written: () => written }),
    abort: () => stop.abort(new Error('the job ended before its source was downloaded')),
  };
}

const FOLLOW_CHUNK = 1024 * 1024;

/** Reads `file` as it grows: waits at the written end until the download adds more or ends. */
function followFile(file: string, progress: { waitFor(bytes: number): Promise<void>; isFinished(): boolean; written(): number }): Readable {
  let handle: FileHandle | null = null;
  let position = 0;
  return new Readable({
    highWaterMark: FOLLOW_CHUNK,
    async read(size) {
      try {
        await progress.waitFor(position + 1);
        handle ??= await open(file, 'r');
        const available = progress.written() - position;
        if (available <= 0 && progress.isFinished()) {
          this.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(Math.min(Math.max(size, 64 * 1024), FOLLOW_CHUNK, available));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw new Error('the source file is shorter than what was downloaded into it');
        position += bytesRead;
        this.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      const closing = handle?.close() ?? Promise.resolve();
      closing.then(() => callback(error), () => callback(error));
    },
  });
}
