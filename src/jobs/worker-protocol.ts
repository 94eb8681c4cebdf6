/**
 * The worker protocol's rules, independent of HTTP: what a claim hands out, and what each call of a
 * lease holder may do. Every call that touches a job is checked against the job's current lease
 * (RUNNING, same lease id) before anything else happens, and every upload goes under the attempt's own
 * prefix, so a worker whose lease was taken back can change nothing a client will ever read.
 *
 * Upload URLs live a few lease periods ({@link workerUrlTtlSeconds}); the worker asks for them
 * (`uploads`) when it is about to upload, in small batches, so they never need to outlive the lease.
 */
import path from 'node:path';
import { expandRenditions } from '../../protocol/job-spec.js';
import { MULTIPART_PART_BYTES, MULTIPART_THRESHOLD_BYTES, type ClaimedJob, type CompleteRequest, type UploadsResponse } from '../../protocol/worker-api.js';
import type { Job } from '../db/schema.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Telemetry } from '../metrics/telemetry.js';
import type { JobListener } from '../realtime/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { jobToken } from '../workers/credentials.js';
import { attemptOutputKey, attemptPrefix } from './keys.js';
import { planParts } from './multipart-upload.js';
import { claimNextJob, returnUndeliveredClaim } from './sql/claim-job.js';
import { checkCompletion, completeJob, type CompletedOutput } from './sql/complete-job.js';
import { failJob, type Failure } from './sql/fail-job.js';
import { recordProgress, touchLease, type Lease, type LeaseOutcome, type ProgressReport } from './sql/lease.js';
import { releaseJob } from './sql/release-job.js';

/** What the worker protocol needs; the API's services fit it. */
export interface ProtocolServices {
  db: Database;
  store: ObjectStore;
  config: Config;
  /** Signs job tokens and links. */
  signingKey: Buffer;
  /** Announces progress to subscribers on every instance. */
  jobListener: JobListener;
  /** Where progress reports feed the ffmpeg speed metric (tenant-free). */
  telemetry: Telemetry;
}

/** A worker's mistake in a call (a bad path, an output that is not in the store): a 4xx. */
export class WorkerCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerCallError';
  }
}

/** Lifetime of every presigned URL handed to a worker: a few lease periods, at least a minute. */
export function workerUrlTtlSeconds(leaseMs: number): number {
  return Math.max(60, Math.ceil((4 * leaseMs) / 1000));
}

/**
 * Claims a job for a worker whose request is still open. `isOpen` is asked right after the claim
 * commits: a claim made for a client that hung up in the meantime is handed straight back (QUEUED,
 * the attempt undone), so it never sits RUNNING on a dead socket until its lease runs out.
 */
export async function claimForWorker(services: ProtocolServices, machineId: string | null, isOpen: () => boolean): Promise<ClaimedJob | null> {
  if (!isOpen()) return null;
  const job = await claimNextJob(services.db, { machineId, leaseMs: services.config.leaseMs, tenantMaxRunning: services.config.tenantMaxRunning });
  if (!job) return null;
  services.telemetry.jobClaimed(job);
  let claim: ClaimedJob | null = null;
  try {
    claim = isOpen() ? await describeClaim(services, job) : null;
  } finally {
    // Not delivered (hung up, or the claim could not be described): hand it back at once.
    if (!claim || !isOpen()) await returnUndeliveredClaim(services.db, { jobId: job.id, leaseId: job.leaseId! });
  }
  return claim && isOpen() ? claim : null;
}

async function describeClaim(services: ProtocolServices, job: Job): Promise<ClaimedJob> {
  const { store, config, signingKey } = services;
  // A URL source not copied yet is fetched by the worker itself: no store URL until the copy exists.
  const toFetch = job.sourceUrl !== null && job.sourceFetchedAt === null;
  const source = toFetch ? null : await store.presignGet(job.sourceKey, { expiresInSeconds: workerUrlTtlSeconds(config.leaseMs) });
  return {
    id: job.id,
    token: jobToken(signingKey, job.id, job.leaseId!),
    attempt: job.attempts,
    leaseMs: config.leaseMs,
    spec: job.spec,
    source: {
      url: source?.url ?? null,
      filename: job.sourceFilename,
      sizeBytes: toFetch ? null : job.sourceSizeBytes,
      contentType: job.sourceContentType,
      fetch: toFetch
        ? {
            url: job.sourceUrl!,
            allowPrivate: config.ingestAllowPrivate,
            maxBytes: config.maxUploadBytes,
            connectTimeoutMs: config.ingestConnectTimeoutMs,
            idleTimeoutMs: config.ingestIdleTimeoutMs,
          }
        : null,
    },
    outputs: expandRenditions(job.spec).map((rendition) => ({ name: rendition.name, fileName: rendition.fileName, contentType: rendition.contentType })),
    limits: { maxDurationSeconds: config.maxDurationSeconds, stallMs: config.stallMs },
    // Splitting arrives with issue 18; until then every claim is a whole job.
    split: null,
    task: null,
  };
}

/** A progress report: the heartbeat. Announced (coalesced) by the job listener once committed. */
export async function reportProgress(services: ProtocolServices, lease: Lease, report: ProgressReport): Promise<LeaseOutcome> {
  const outcome = await recordProgress(services.db, { ...lease, leaseMs: services.config.leaseMs }, { ...report, percent: Math.min(report.percent, 99.9) });
  // Not inside the update: every notifying commit takes a cluster-wide lock. The listener
  // coalesces progress (per job, and across jobs into one commit) after it is committed.
  if (outcome.kind === 'ok') {
    services.jobListener.announce(outcome.job);
    services.telemetry.progressReported(report.speed);
  }
  return outcome;
}

export type UploadsOutcome = { kind: 'ok'; files: UploadsResponse['files'] } | { kind: 'canceled' } | { kind: 'lost' };

/** Presigned uploads for files of the attempt, under its own prefix: only for the current lease. */
export async function grantUploads(
  services: ProtocolServices,
  lease: Lease,
  files: Array<{ path: string; contentType: string; sizeBytes: number }>,
): Promise<UploadsOutcome> {
  const outcome = await touchLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (outcome.kind !== 'ok') return outcome;
  const { store } = services;
  const ttl = workerUrlTtlSeconds(services.config.leaseMs);
  return {
    kind: 'ok',
    files: await Promise.all(
      files.map(async (file) => {
        const key = attemptKey(lease, file.path);
        if (file.sizeBytes <= MULTIPART_THRESHOLD_BYTES) {
          const upload = await store.presignPut(key, { contentType: file.contentType, contentLength: file.sizeBytes, expiresInSeconds: ttl });
          return { path: file.path, kind: 'single' as const, upload: { url: upload.url, headers: upload.headers } };
        }
        const uploadId = await store.createMultipartUpload(key, file.contentType);
        // The same plan as sources in parts: 16 MiB, bigger when the file needs it to fit 10,000 parts.
        const plan = planParts(file.sizeBytes, MULTIPART_PART_BYTES);
        const parts = await Promise.all(
          Array.from({ length: plan.partCount }, async (_, index) => ({ partNumber: index + 1, url: await store.presignUploadPart(key, uploadId, index + 1, ttl) })),
        );
        return { path: file.path, kind: 'multipart' as const, uploadId, partSizeBytes: plan.partSizeBytes, parts };
      }),
    ),
  };
}

/** Finishes a multipart upload of the attempt: only for the current lease. */
export async function completeMultipart(
  services: ProtocolServices,
  lease: Lease,
  request: { path: string; uploadId: string; parts: Array<{ partNumber: number; etag: string }> },
): Promise<LeaseOutcome> {
  const outcome = await touchLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (outcome.kind === 'ok') await services.store.completeMultipartUpload(attemptKey(lease, request.path), request.uploadId, request.parts);
  return outcome;
}

/** What a worker reports when its attempt is done (the wire type of `POST .../complete`). */
export type CompleteReport = CompleteRequest;

/**
 * RUNNING -> COMPLETED once every rendition is accounted for and every produced one is in the store
 * under this attempt's prefix. A completion that produced nothing fails the job with NO_OUTPUTS.
 */
export async function completeForWorker(services: ProtocolServices, lease: Lease, report: CompleteReport): Promise<LeaseOutcome> {
  // One round trip: the lease check (extending it) and what the completion needs of the job.
  const checked = await checkCompletion(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (checked.kind !== 'ok') return checked;
  const record = checked.job;
  const renditions = new Map(expandRenditions(record.spec).map((rendition) => [rendition.name, rendition]));
  const listed = new Set(checked.outputNames);
  for (const name of listed) {
    if (!report.outputs.some((candidate) => candidate.name === name)) throw new WorkerCallError(400, `Output "${name}" was not reported`);
  }
  const outputs: CompletedOutput[] = [];
  for (const reported of report.outputs) {
    if (reported.skippedReason !== null) {
      if (listed.has(reported.name)) outputs.push({ ...reported, key: null, substitute: undefined });
      continue;
    }
    const fileName = listed.has(reported.name) ? renditions.get(reported.name)?.fileName : reported.substitute?.fileName;
    if (!fileName) throw new WorkerCallError(400, `Output "${reported.name}" is not one of the job's`);
    const key = attemptKey(lease, fileName);
    const head = await services.store.head(key);
    // 422, not 409: a 409 means "lost" to the worker.
    if (!head || head.sizeBytes === 0) throw new WorkerCallError(422, `Output "${reported.name}" is not in the store`);
    // A storyboard is its VTT and the sheet the VTT points at: both must be there for its URL to resolve.
    if (reported.storyboard) {
      const sheet = reported.storyboard.sheet;
      if (path.posix.dirname(sheet) !== path.posix.dirname(fileName)) throw new WorkerCallError(400, `Output "${reported.name}" has its sheet outside its directory`);
      const sheetHead = await services.store.head(attemptKey(lease, sheet));
      if (!sheetHead || sheetHead.sizeBytes === 0) throw new WorkerCallError(422, `Output "${reported.name}" has no sprite sheet in the store`);
    }
    const substitute = !listed.has(reported.name) && reported.substitute ? { outputIndex: reported.substitute.outputIndex, contentType: reported.substitute.contentType } : undefined;
    outputs.push({
      name: reported.name,
      key,
      sizeBytes: reported.sizeBytes,
      durationSeconds: reported.durationSeconds,
      skippedReason: null,
      substitute,
      width: reported.width ?? null,
      height: reported.height ?? null,
      loudness: reported.loudness ?? null,
    });
  }
  if (!outputs.some((output) => output.key !== null)) {
    const reasons = report.outputs.map((output) => output.skippedReason).filter(Boolean);
    return failForWorker(services, lease, {
      code: 'NO_OUTPUTS',
      message: `No output could be produced: ${reasons.join('; ') || 'every output was skipped'}`,
      detail: null,
    });
  }
  return observeFinish(
    services,
    await completeJob(services.db, lease, {
      outputs,
      notices: report.notices,
      sourceDurationSeconds: report.sourceDurationSeconds,
      specOutputNames: record.spec.outputs.map((output) => output.name),
    }),
  );
}

/** A failure report: requeued when the code is retryable and attempts remain, else FAILED. */
export async function failForWorker(services: ProtocolServices, lease: Lease, failure: Failure): Promise<LeaseOutcome> {
  return observeFinish(services, await failJob(services.db, lease, failure, { maxAttempts: services.config.maxAttempts, retryBaseMs: services.config.retryBaseMs }));
}

/** Counts a job its worker brought to a terminal status (a retry, still QUEUED, is not one). */
function observeFinish(services: ProtocolServices, outcome: LeaseOutcome): LeaseOutcome {
  if (outcome.kind === 'ok' && (outcome.job.status === 'COMPLETED' || outcome.job.status === 'FAILED')) services.telemetry.jobFinished(outcome.job);
  return outcome;
}

/** The worker hands its job back (shutdown): QUEUED again, the attempt not counted. */
export function releaseForWorker(services: ProtocolServices, lease: Lease, reason: string): Promise<LeaseOutcome> {
  return releaseJob(services.db, lease, reason);
}

function attemptKey(lease: Lease, relativePath: string): string {
  const key = attemptOutputKey(lease.jobId, lease.leaseId, relativePath);
  if (!key.startsWith(attemptPrefix(lease.jobId, lease.leaseId)) || relativePath.split('/').includes('..')) {
    throw new WorkerCallError(400, `Path escapes the job: ${relativePath}`);
  }
  return key;
}
