/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AudioFormat =
  | 'AAC'
  | 'FLAC'
  | 'MP3'
  | 'OPUS'
  | 'WAV';

export type AudioOutputInput = {
  /** WAV and FLAC only: 16, 24 (WAV also 32). Default 16. */
  bitDepth?: number | null | undefined;
  /** Lossy formats only. Defaults: MP3 192, AAC 128, OPUS 96. */
  bitrateKbps?: number | null | undefined;
  /** 1 to 8 (MP3: 1 or 2). Default: the source's. */
  channels?: number | null | undefined;
  format: AudioFormat;
  /** Normalise to this loudness (EBU R128, two passes); the output then reports the loudness measured on it. */
  loudness?: LoudnessInput | null | undefined;
  /** Unique within the job; a default is derived from the settings given (e.g. "mp3-192k", "flac-24bit", "wav-48k-mono"). */
  name?: string | null | undefined;
  /** One the codec supports (OPUS: 8000/12000/16000/24000/48000; MP3: <= 48000). Default: the source's, or the nearest supported. */
  sampleRate?: number | null | undefined;
};

export type CreateJobInput = {
  /** When the job and all its files are deleted (in the future); default createdAt + RETENTION_S. */
  expiresAt?: string | null | undefined;
  /** The same key and input within 24 h returns the same job. */
  idempotencyKey?: string | null | undefined;
  /** Up to 16 keys, string values, 4 KB in all; returned on Job and in webhooks. */
  metadata?: Record<string, unknown> | null | undefined;
  /** 1 to 10. */
  outputs: Array<OutputInput>;
  /** Higher runs first; default 0. */
  priority?: number | null | undefined;
  source: SourceInput;
  /** Receives job.completed, job.failed or job.canceled, signed per Standard Webhooks. */
  webhookUrl?: string | null | undefined;
};

export type ImageFormat =
  | 'JPEG'
  | 'PNG'
  | 'WEBP';

/** POSTER: one frame. THUMBNAILS: `count` evenly spaced frames, one output each ("<name>-1" ...). STORYBOARD: one sprite sheet plus a WebVTT index (the output) whose cues point into the sheet with #xywh=. */
export type ImageKind =
  | 'POSTER'
  | 'STORYBOARD'
  | 'THUMBNAILS';

export type ImageOutputInput = {
  /** POSTER only: which frame; default 10 % into the source. */
  atSeconds?: number | null | undefined;
  /** THUMBNAILS: 1 to 100, default 10. STORYBOARD: tiles, default one per 5 s, at most 400. */
  count?: number | null | undefined;
  /** Default JPEG. */
  format?: ImageFormat | null | undefined;
  kind: ImageKind;
  /** Unique within the job; defaults "poster", "thumbnails", "storyboard". THUMBNAILS outputs are "<name>-1" ... "<name>-<count>". */
  name?: string | null | undefined;
  /** 16 to 3840; the height keeps the aspect ratio. Never above the source's width. */
  width?: number | null | undefined;
};

/** What the worker is doing within a run. */
export type JobPhase =
  | 'DONE'
  | 'DOWNLOADING'
  | 'FETCHING'
  | 'PROBING'
  | 'QUEUED'
  | 'TRANSCODING'
  | 'UPLOADING';

/** AWAITING_UPLOAD -> QUEUED -> RUNNING -> COMPLETED | FAILED; any non-terminal status -> CANCELED. */
export type JobStatus =
  | 'AWAITING_UPLOAD'
  | 'CANCELED'
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** Normalise to this loudness (EBU R128 in two passes: measure, then a linear loudnorm with the measured values). */
export type LoudnessInput = {
  /** -70 to -5, e.g. -16 (podcasts), -23 (EBU R128 broadcast). */
  integratedLufs: number;
  /** -9 to 0; default -1. */
  truePeakDb?: number | null | undefined;
};

/** Exactly one of audio, video, image or waveform. */
export type OutputInput =
  {   audio: AudioOutputInput; image?: never; video?: never; waveform?: never; }
  |  { audio?: never;   image: ImageOutputInput; video?: never; waveform?: never; }
  |  { audio?: never; image?: never;   video: VideoOutputInput; waveform?: never; }
  |  { audio?: never; image?: never; video?: never;   waveform: WaveformOutputInput; };

/** Either an upload (sizeBytes) or a URL (url), never both. */
export type SourceInput = {
  /** Media type of the upload (audio/*, video/*); the upload must send the same. */
  contentType?: string | null | undefined;
  /** Original file name; sanitised into a job-scoped object key. Required for uploads; for a URL, derived from its path when omitted. */
  filename?: string | null | undefined;
  /** Upload in parts (resumable; see Job.source.multipartUpload and uploadPartUrls); forced when sizeBytes is above 5 GiB. */
  multipart?: boolean | null | undefined;
  /** An upload must be exactly this size; at most MAX_UPLOAD_BYTES. */
  sizeBytes?: number | null | undefined;
  /** An http(s) URL the service fetches the source from (each redirect checked); the job is QUEUED at once. */
  url?: string | null | undefined;
};

export type VideoOutputInput = {
  /** Unique within the job; defaults: "passthrough", "web", "hls". */
  name?: string | null | undefined;
  preset: VideoPreset;
  /** WEB_OPTIMIZED: one MP4 per quality (default P720). HLS: one ladder (default P720, P480, P360). */
  qualities?: Array<VideoQuality> | null | undefined;
};

/** PASSTHROUGH remuxes to MP4; WEB_OPTIMIZED is H.264/AAC MP4 per quality; HLS is one adaptive ladder. */
export type VideoPreset =
  | 'HLS'
  | 'PASSTHROUGH'
  | 'WEB_OPTIMIZED';

/** Output frame height (P720 = 720 lines). Qualities above the source are never produced. */
export type VideoQuality =
  | 'P144'
  | 'P240'
  | 'P360'
  | 'P480'
  | 'P720'
  | 'P1080';

/** Peaks as JSON in the audiowaveform format (version 2), which peaks.js and wavesurfer draw as is. */
export type WaveformOutputInput = {
  /** 8 or 16, default 8. */
  bits?: number | null | undefined;
  /** Unique within the job; default "waveform". */
  name?: string | null | undefined;
  /** 1 to 1000, default 20: min/max pairs per second of audio. */
  pixelsPerSecond?: number | null | undefined;
};

export type JobFieldsFragment = { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null };

export type CreateJobMutationVariables = Exact<{
  input: CreateJobInput;
}>;


export type CreateJobMutation = { createJob:
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null, upload: { url: string, method: string, expiresAt: string, headers: Array<{ name: string, value: string }> } | null, multipartUpload: { partSizeBytes: number, partCount: number, expiresAt: string, uploadedParts: Array<{ number: number, sizeBytes: number }> } | null }, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null }
    | { __typename: 'ValidationError', message: string, field: string | null }
   };

export type MultipartUploadFieldsFragment = { partSizeBytes: number, partCount: number, expiresAt: string, uploadedParts: Array<{ number: number, sizeBytes: number }> };

export type JobUploadQueryVariables = Exact<{
  id: string | number;
}>;


export type JobUploadQuery = { job: { id: string, status: JobStatus, source: { filename: string, sizeBytes: number | null, multipartUpload: { partSizeBytes: number, partCount: number, expiresAt: string, uploadedParts: Array<{ number: number, sizeBytes: number }> } | null } } | null };

export type UploadPartUrlsMutationVariables = Exact<{
  id: string | number;
  partNumbers: Array<number> | number;
}>;


export type UploadPartUrlsMutation = { uploadPartUrls:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'UploadPartUrls', parts: Array<{ number: number, url: string, method: string, expiresAt: string, headers: Array<{ name: string, value: string }> }> }
    | { __typename: 'ValidationError', message: string }
   };

export type StartJobMutationVariables = Exact<{
  id: string | number;
}>;


export type StartJobMutation = { startJob:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'ValidationError', message: string, field: string | null }
   };

export type CancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelJobMutation = { cancelJob:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null }
    | { __typename: 'NotFoundError', message: string }
   };

export type JobQueryVariables = Exact<{
  id: string | number;
}>;


export type JobQuery = { job: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null } | null };

export type JobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: Array<JobStatus> | JobStatus | null | undefined;
}>;


export type JobsQuery = { jobs: { edges: Array<{ node: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type JobUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type JobUpdatedSubscription = { jobUpdated: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number | null, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, width: number | null, height: number | null, url: string | null, loudness: { integratedLufs: number, truePeakDb: number, rangeLu: number } | null }>, error: { code: string, message: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const JobFieldsFragmentDoc = new TypedDocumentString(`
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}
    `, {"fragmentName":"JobFields"}) as unknown as TypedDocumentString<JobFieldsFragment, unknown>;
export const MultipartUploadFieldsFragmentDoc = new TypedDocumentString(`
    fragment MultipartUploadFields on MultipartUpload {
  partSizeBytes
  partCount
  uploadedParts {
    number
    sizeBytes
  }
  expiresAt
}
    `, {"fragmentName":"MultipartUploadFields"}) as unknown as TypedDocumentString<MultipartUploadFieldsFragment, unknown>;
export const CreateJobDocument = new TypedDocumentString(`
    mutation CreateJob($input: CreateJobInput!) {
  createJob(input: $input) {
    __typename
    ... on Job {
      ...JobFields
      source {
        upload {
          url
          method
          headers {
            name
            value
          }
          expiresAt
        }
        multipartUpload {
          ...MultipartUploadFields
        }
      }
    }
    ... on ValidationError {
      message
      field
    }
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}
fragment MultipartUploadFields on MultipartUpload {
  partSizeBytes
  partCount
  uploadedParts {
    number
    sizeBytes
  }
  expiresAt
}`) as unknown as TypedDocumentString<CreateJobMutation, CreateJobMutationVariables>;
export const JobUploadDocument = new TypedDocumentString(`
    query JobUpload($id: ID!) {
  job(id: $id) {
    id
    status
    source {
      filename
      sizeBytes
      multipartUpload {
        ...MultipartUploadFields
      }
    }
  }
}
    fragment MultipartUploadFields on MultipartUpload {
  partSizeBytes
  partCount
  uploadedParts {
    number
    sizeBytes
  }
  expiresAt
}`) as unknown as TypedDocumentString<JobUploadQuery, JobUploadQueryVariables>;
export const UploadPartUrlsDocument = new TypedDocumentString(`
    mutation UploadPartUrls($id: ID!, $partNumbers: [Int!]!) {
  uploadPartUrls(id: $id, partNumbers: $partNumbers) {
    __typename
    ... on UploadPartUrls {
      parts {
        number
        url
        method
        headers {
          name
          value
        }
        expiresAt
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<UploadPartUrlsMutation, UploadPartUrlsMutationVariables>;
export const StartJobDocument = new TypedDocumentString(`
    mutation StartJob($id: ID!) {
  startJob(id: $id) {
    __typename
    ... on Job {
      ...JobFields
    }
    ... on Error {
      message
    }
    ... on ValidationError {
      field
    }
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<StartJobMutation, StartJobMutationVariables>;
export const CancelJobDocument = new TypedDocumentString(`
    mutation CancelJob($id: ID!) {
  cancelJob(id: $id) {
    __typename
    ... on Job {
      ...JobFields
    }
    ... on Error {
      message
    }
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<CancelJobMutation, CancelJobMutationVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!) {
  job(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const JobsDocument = new TypedDocumentString(`
    query Jobs($first: Int, $after: String, $status: [JobStatus!]) {
  jobs(first: $first, after: $after, status: $status) {
    edges {
      node {
        ...JobFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<JobsQuery, JobsQueryVariables>;
export const JobUpdatedDocument = new TypedDocumentString(`
    subscription JobUpdated($id: ID!) {
  jobUpdated(id: $id) {
    ...JobFields
  }
}
    fragment JobFields on Job {
  id
  status
  attempts
  createdAt
  finishedAt
  notices
  progress {
    phase
    percent
    speed
    etaSeconds
  }
  source {
    filename
    sizeBytes
    durationSeconds
  }
  outputs {
    name
    contentType
    sizeBytes
    durationSeconds
    width
    height
    loudness {
      integratedLufs
      truePeakDb
      rangeLu
    }
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;