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
import type { SQL } from 'drizzle-orm';
import { expandRenditions, type JobSpec } from '../../protocol/job-spec.js';
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
import { loadJobRecord } from './sql/read-jobs.js';
import { claimTaskForWorker } from './split-claim.js';
import { splitPolicyFor } from './split-plan.js';
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
  // Parts of a job already running come before any other job (issue 18): src/jobs/split-claim.ts.
  const task = await claimTaskForWorker(services, machineId, isOpen, (job) => describeClaim(services, job));
  if (task) return task;
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

/** A whole-job claim as the worker gets it (a task claim starts from it too). */
export async function describeClaim(services: ProtocolServices, job: Job): Promise<ClaimedJob> {
  const { store, config, signingKey } = services;
  // A URL source not copied yet is fetched by the worker itself: no store URL until the copy exists.
  const toFetch = job.sourceUrl !== null && job.sourceFetchedAt === null;
  const source = toFetch ? null : await store.presignGet(job.sourceKey, { expiresInSeconds: workerUrlTtlSeconds(config.leaseMs) });
  return {
    id: job.id,
    token: job.leaseId ? jobToken(signingKey, job.id, job.leaseId) : '',
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
    split: splitPolicyFor(config, job.spec),
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
  check: LeaseCheck = checkJobLease,
): Promise<UploadsOutcome> {
  const outcome = await check(services, lease);
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
  check: LeaseCheck = checkJobLease,
): Promise<CallOutcome> {
  const outcome = await check(services, lease);
  if (outcome.kind === 'ok') await services.store.completeMultipartUpload(attemptKey(lease, request.path), request.uploadId, request.parts);
  return outcome;
}

/** What a worker call learns first: whether its lease (a job's, or a task's) is current. */
export type CallOutcome = { kind: 'ok' } | { kind: 'canceled' } | { kind: 'lost' };
export type LeaseCheck = (services: ProtocolServices, lease: Lease) => Promise<CallOutcome>;

/** The whole-job lease check (and heartbeat); a task's is in src/jobs/split-protocol.ts. */
export const checkJobLease: LeaseCheck = (services, lease) => touchLease(services.db, { ...lease, leaseMs: services.config.leaseMs });

/**
 * How a split job's STITCH completes the job through {@link completeForWorker}: its own lease check,
 * the outputs the AUDIO task produced (already checked, under the audio lease) and its notices, the
 * guard of the job's completion, and how a completion with nothing to publish fails.
 */
export interface StitchCompletion {
  check: () => Promise<CallOutcome>;
  inherited: CompletedOutput[];
  notices: string[];
  guard: SQL;
  fail: (failure: Failure) => Promise<CallOutcome>;
}

/** What a worker reports when its attempt is done (the wire type of `POST .../complete`). */
export type CompleteReport = CompleteRequest;

/**
 * RUNNING -> COMPLETED once every rendition is accounted for and every produced one is in the store
 * under this attempt's prefix. A completion that produced nothing fails the job with NO_OUTPUTS.
 */
export async function completeForWorker(services: ProtocolServices, lease: Lease, report: CompleteReport, stitch?: StitchCompletion): Promise<CallOutcome> {
  let spec: JobSpec;
  let outputNames: string[];
  if (stitch) {
    const checked = await stitch.check();
    if (checked.kind !== 'ok') return checked;
    const record = (await loadJobRecord(services.db, lease.jobId))!;
    spec = record.job.spec;
    outputNames = record.outputs.map((output) => output.name);
  } else {
    // One round trip: the lease check (extending it) and what the completion needs of the job.
    const checked = await checkCompletion(services.db, { ...lease, leaseMs: services.config.leaseMs });
    if (checked.kind !== 'ok') return checked;
    spec = checked.job.spec;
    outputNames = checked.outputNames;
  }
  const listed = new Set(outputNames);
  const inherited = (stitch?.inherited ?? []).filter((output) => !report.outputs.some((candidate) => candidate.name === output.name));
  for (const name of listed) {
    if (!report.outputs.some((candidate) => candidate.name === name) && !inherited.some((output) => output.name === name)) {
      throw new WorkerCallError(400, `Output "${name}" was not reported`);
    }
  }
  const outputs = [...inherited, ...(await resolveReportedOutputs(services, lease, { spec, outputNames }, report.outputs))];
  if (!outputs.some((output) => output.key !== null)) {
    const reasons = outputs.map((output) => output.skippedReason).filter(Boolean);
    const failure = { code: 'NO_OUTPUTS', message: `No output could be produced: ${reasons.join('; ') || 'every output was skipped'}`, detail: null };
    return stitch ? stitch.fail(failure) : failForWorker(services, lease, failure);
  }
  return observeFinish(
    services,
    await completeJob(
      services.db,
      lease,
      {
        outputs,
        notices: [...(stitch?.notices ?? []), ...report.notices],
        sourceDurationSeconds: report.sourceDurationSeconds,
        specOutputNames: spec.outputs.map((output) => output.name),
      },
      stitch?.guard,
    ),
  );
}

/**
 * The reported outputs as the job will publish them: each produced one checked in the store under
 * this lease's prefix (a storyboard with its sheet), skipped ones kept only when the job lists them.
 */
export async function resolveReportedOutputs(
  services: ProtocolServices,
  lease: Lease,
  job: { spec: JobSpec; outputNames: string[] },
  reportedOutputs: CompleteReport['outputs'],
): Promise<CompletedOutput[]> {
  const renditions = new Map(expandRenditions(job.spec).map((rendition) => [rendition.name, rendition]));
  const listed = new Set(job.outputNames);
  const outputs: CompletedOutput[] = [];
  for (const reported of reportedOutputs) {
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
  return outputs;
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
