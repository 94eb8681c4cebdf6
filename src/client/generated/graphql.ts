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

/** What the worker is doing within a run. */
export type JobPhase =
  | 'DONE'
  | 'DOWNLOADING'
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

/** Exactly one of audio or video. */
export type OutputInput =
  {   audio: AudioOutputInput; video?: never; }
  |  { audio?: never;   video: VideoOutputInput; };

export type SourceInput = {
  /** Media type of the upload (audio/*, video/*); the upload must send the same. */
  contentType?: string | null | undefined;
  /** Original file name; sanitised into a job-scoped object key. */
  filename: string;
  /** The upload must be exactly this size. */
  sizeBytes: number;
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

export type JobFieldsFragment = { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null };

export type CreateJobMutationVariables = Exact<{
  input: CreateJobInput;
}>;


export type CreateJobMutation = { createJob:
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, source: { filename: string, sizeBytes: number, durationSeconds: number | null, upload: { url: string, method: string, expiresAt: string, headers: Array<{ name: string, value: string }> } | null }, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null }
    | { __typename: 'ValidationError', message: string, field: string | null }
   };

export type StartJobMutationVariables = Exact<{
  id: string | number;
}>;


export type StartJobMutation = { startJob:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'ValidationError', message: string, field: string | null }
   };

export type CancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelJobMutation = { cancelJob:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'Job', id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null }
    | { __typename: 'NotFoundError', message: string }
   };

export type JobQueryVariables = Exact<{
  id: string | number;
}>;


export type JobQuery = { job: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null } | null };

export type JobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: Array<JobStatus> | JobStatus | null | undefined;
}>;


export type JobsQuery = { jobs: { edges: Array<{ node: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type JobUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type JobUpdatedSubscription = { jobUpdated: { id: string, status: JobStatus, attempts: number, createdAt: string, finishedAt: string | null, notices: Array<string>, progress: { phase: JobPhase, percent: number, speed: number | null, etaSeconds: number | null } | null, source: { filename: string, sizeBytes: number, durationSeconds: number | null }, outputs: Array<{ name: string, contentType: string | null, sizeBytes: number | null, durationSeconds: number | null, url: string | null }>, error: { code: string, message: string } | null } };

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
    url
  }
  error {
    code
    message
  }
}
    `, {"fragmentName":"JobFields"}) as unknown as TypedDocumentString<JobFieldsFragment, unknown>;
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
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<CreateJobMutation, CreateJobMutationVariables>;
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
    url
  }
  error {
    code
    message
  }
}`) as unknown as TypedDocumentString<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;