/**
 * The HTTP protocol between the API and its workers (JSON over HTTP, `/worker/v1/...`). Shared pure
 * types: the worker runs on another machine and never imports the API's code.
 *
 * Auth: `Authorization: Bearer <machine credential>` to claim; `Bearer <job token>` for everything
 * about one job (the token names the job and its lease).
 */
import type { JobSpec, LoudnessMeasurement } from './job-spec.js';

export const WORKER_API_PREFIX = '/worker/v1';

export type WorkerPhase = 'FETCHING' | 'DOWNLOADING' | 'PROBING' | 'TRANSCODING' | 'UPLOADING';

export interface ClaimRequest {
  /** The Fly machine the worker runs on (FLY_MACHINE_ID), recorded on the job. */
  machineId: string | null;
  /** How long the API may hold the request open waiting for a job (long poll), at most 25 s. */
  waitMs: number;
}

export interface PresignedPut {
  url: string;
  /** Send exactly these headers. */
  headers: Record<string, string>;
}

export interface ClaimedJob {
  id: string;
  /** Bearer token for this job's reports; valid for this attempt only. */
  token: string;
  attempt: number;
  /** A report (progress) must arrive within this many ms or the job is taken back. */
  leaseMs: number;
  spec: JobSpec;
  /**
   * `url` is a presigned GET of the source in the store, and `sizeBytes` its size; both are null for a
   * URL source no attempt has copied yet, which comes with `fetch` instead: the worker fetches it,
   * copies it into the store (`source`, then `source/complete`) and goes on from its local file.
   */
  source: { url: string | null; filename: string; sizeBytes: number | null; contentType: string | null; fetch: SourceFetch | null };
  /**
   * The renditions to produce. Upload URLs are not part of the claim: the worker asks `uploads` when
   * it is about to upload (URLs live a few lease periods, and only the current lease gets them).
   */
  outputs: Array<{ name: string; fileName: string; contentType: string }>;
  limits: { maxDurationSeconds: number; stallMs: number };
  /**
   * Whole-job claims only: how the worker may split this job (issue 18). Null when splitting is off
   * (`SPLIT_MIN_SECONDS=0`), the job has no WEB_OPTIMIZED or HLS output, or this claim is a task.
   */
  split: SplitPolicy | null;
  /** Set when this claim is one task of a split job (a video part, the audio, or the stitch); null for a whole job. */
  task: ClaimedTask | null;
}

/** When and how finely a whole-job claim may be split into parts. */
export interface SplitPolicy {
  /** `SPLIT_MIN_SECONDS`: a source at least this long (with video) is split. */
  minSourceSeconds: number;
  /** At most this many video parts: the machines the pool may run at once (`MAX_MACHINES`, at least 1). */
  maxParts: number;
  /** No part shorter than this many seconds of source. */
  minPartSeconds: number;
}

/**
 * What the planning worker reports (`POST .../split`) after downloading and probing: where to cut.
 * The API then turns the job into tasks (N video parts, one audio task, one stitch), all claimable by
 * any worker, and ends the planner's lease. With fewer than 2 parts the worker does not split.
 */
export interface SplitRequest {
  sourceDurationSeconds: number;
  /** Cut times in seconds of the source timeline, ascending, strictly inside (0, duration): N-1 cuts for N parts. */
  cuts: number[];
  /** What the planner learned that every task needs (probe summary, frame rate, keyframe step): opaque to the API, handed to each task. */
  probe: Record<string, unknown>;
}

export type TaskKind = 'VIDEO_PART' | 'AUDIO' | 'STITCH';

/** One task of a split job, as claimed. The claim's `token` is bound to the task's own lease. */
export interface ClaimedTask {
  kind: TaskKind;
  /** VIDEO_PART: 1..`parts`; AUDIO and STITCH: 0. */
  index: number;
  /** How many video parts the job was split into. */
  parts: number;
  /** VIDEO_PART: its span of the source timeline in seconds, [start, end); the last ends at the source's duration. Others: the whole source. */
  startSeconds: number;
  endSeconds: number;
  /** The planner's report, as sent. */
  plan: SplitRequest;
  /** STITCH only: every file the other tasks reported done, with presigned GETs, in task order (AUDIO, then parts 1..N). */
  inputs: Array<{ kind: TaskKind; index: number; files: Array<{ path: string; url: string; sizeBytes: number }> }>;
}

/**
 * A VIDEO_PART or AUDIO task is done (`POST .../task-complete`): the files it uploaded (paths as
 * uploaded through `uploads`), which the stitch gets as inputs. The AUDIO task also produces every
 * output of the job that is not split (audio-only presets, posters, storyboards, waveforms) and reports
 * them here as `complete` would; the API merges them into the stitch's completion. The STITCH task ends
 * the job with the ordinary `complete`, reporting the split outputs.
 */
export interface TaskCompleteRequest {
  files: Array<{ path: string; sizeBytes: number }>;
  outputs: CompleteRequest['outputs'];
  notices: string[];
}

/**
 * How to fetch a URL source. The worker fetches it itself, with no ffly credential: only the URL the
 * job was created with, every hop checked against protocol/address-policy.ts unless `allowPrivate`.
 */
export interface SourceFetch {
  url: string;
  /** INGEST_ALLOW_PRIVATE, decided by the API. */
  allowPrivate: boolean;
  /** MAX_UPLOAD_BYTES: counted while streaming, whatever Content-Length says. */
  maxBytes: number;
  connectTimeoutMs: number;
  /** Nothing received for this long ends the try. */
  idleTimeoutMs: number;
}

/**
 * Asks where to put the copy of a fetched URL source (`POST .../source`). Without `parts`: a single
 * presigned PUT, or (above {@link MULTIPART_THRESHOLD_BYTES}) a new multipart upload, whose part URLs
 * are then asked for in batches (`parts`: its upload id and part numbers), so none outlives its TTL.
 */
export interface SourceCopyRequest {
  sizeBytes: number;
  contentType: string;
  parts?: { uploadId: string; partNumbers: number[] };
}

export interface SourceCopyResponse {
  /** `lost` or `canceled` (then nothing else) when the caller's lease is not the job's current one. */
  status?: ReportResponse['status'];
  single?: PresignedPut;
  multipart?: { uploadId: string; partSizeBytes: number; partCount: number; parts: Array<{ partNumber: number; url: string }> };
}

/** The copy is in the store (`POST .../source/complete`): the API checks its size and records it. */
export interface SourceCopiedRequest {
  sizeBytes: number;
  /** For a multipart grant: the upload to complete with these parts. */
  multipart: { uploadId: string; parts: Array<{ partNumber: number; etag: string }> } | null;
}

export interface ClaimResponse {
  job: ClaimedJob | null;
}

export interface ProgressRequest {
  phase: WorkerPhase;
  percent: number;
  speed: number | null;
  etaSeconds: number | null;
  outTimeSeconds: number | null;
  sourceDurationSeconds: number | null;
}

/**
 * `canceled`: stop ffmpeg and publish nothing. `lost`: the lease was taken back; stop. Every call
 * about a job answers this (HTTP 409 for `lost`) when the caller's lease is not the
 * job's current one: nothing was changed.
 */
export interface ReportResponse {
  status: 'ok' | 'canceled' | 'lost';
}

export interface UploadsRequest {
  /** Paths relative to the job's output directory, e.g. "hls/720p/segment_001.ts". */
  files: Array<{ path: string; contentType: string; sizeBytes: number }>;
}

/** Upload URLs for the attempt's own prefix, valid a few lease periods: ask right before uploading. */
export interface UploadsResponse {
  /** `lost` or `canceled` (then without `files`) when the caller's lease is not the job's current one. */
  status?: ReportResponse['status'];
  files: Array<
    | { path: string; kind: 'single'; upload: PresignedPut }
    | { path: string; kind: 'multipart'; uploadId: string; partSizeBytes: number; parts: Array<{ partNumber: number; url: string }> }
  >;
}

export interface CompleteMultipartRequest {
  path: string;
  uploadId: string;
  parts: Array<{ partNumber: number; etag: string }>;
}

export interface CompleteRequest {
  /**
   * Every rendition of the claim, produced or skipped (with the reason), plus any rendition the worker
   * produced instead (e.g. "web-480p" when every requested quality was above a 480p source): those
   * carry their output index, file name and content type.
   */
  outputs: Array<{
    name: string;
    sizeBytes: number | null;
    durationSeconds: number | null;
    skippedReason: string | null;
    substitute?: { outputIndex: number; fileName: string; contentType: string };
    /** Picture size of video and image outputs (a storyboard's: one tile's); absent otherwise. */
    width?: number | null;
    height?: number | null;
    /** Measured on the produced file: set for every output that asked for loudness (and may be for others). */
    loudness?: LoudnessMeasurement | null;
    /** The content type of the main file as produced (same as the claim's unless it is a substitute). */
    contentType?: string;
    /** STORYBOARD outputs only: the files and the grid, so the API can serve and describe them. */
    storyboard?: StoryboardReport | null;
  }>;
  notices: string[];
  sourceDurationSeconds: number | null;
}

/**
 * What a storyboard produced. Both files are paths relative to the job's output directory (as uploaded):
 * `vtt` is the rendition's main file ("thumbs/storyboard.vtt") and `sheet` the sprite sheet beside it
 * ("thumbs/sheet.jpg"). The VTT's cue texts are "<sheet file name>#xywh=x,y,w,h", relative to the VTT.
 */
export interface StoryboardReport {
  vtt: string;
  sheet: string;
  sheetWidth: number;
  sheetHeight: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  /** Number of tiles (cues); the last row may be partly empty. */
  tiles: number;
  /** Seconds of source per tile (cue length; the last cue ends at the source's end). */
  intervalSeconds: number;
}

export interface FailRequest {
  code: string;
  message: string;
  /** Last 4 KB of ffmpeg's stderr, with URLs and tokens removed. */
  detail: string | null;
}

export interface ReleaseRequest {
  reason: string;
}

/** Above this size outputs go up in parts. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const MULTIPART_PART_BYTES = 16 * 1024 * 1024;
