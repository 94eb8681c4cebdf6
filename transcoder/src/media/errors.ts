/**
 * The one error type the media layer throws. Its `code` is what the worker reports as the job's error
 * code; its `message` is written for the person who submitted the job (no paths, URLs or ffmpeg jargon
 * they cannot act on), while `stderrTail` keeps the redacted end of ffmpeg's log for operators.
 */
export const MEDIA_ERROR_CODES = [
  /** The input is not a media file ffprobe can read (empty, text, truncated, corrupt). */
  'INPUT_UNREADABLE',
  /** The input is readable but refused: container not accepted, over the limits, missing a stream. */
  'INPUT_REJECTED',
  /** ffmpeg exited 0 but an output is missing, truncated or not what was asked for. */
  'OUTPUT_INVALID',
  /** ffmpeg could not be started or exited with an error. */
  'FFMPEG_FAILED',
  /** ffmpeg stopped making progress and was killed. */
  'STALLED',
  /** The run was canceled through its AbortSignal. */
  'CANCELED',
] as const;

export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];

export interface MediaErrorOptions {
  /** The last few KB of ffmpeg/ffprobe stderr, with URLs and tokens redacted. */
  stderrTail?: string;
  cause?: unknown;
}

export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;
  readonly stderrTail: string | undefined;

  constructor(code: MediaErrorCode, message: string, options: MediaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.stderrTail = options.stderrTail;
  }
}

/** True when `error` is a MediaError, optionally with the given code. */
export function isMediaError(error: unknown, code?: MediaErrorCode): error is MediaError {
  return error instanceof MediaError && (code === undefined || error.code === code);
}
