import type { Job } from '../db/schema.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PresignedRequest } from '../storage/object-store.js';
import { isNoSuchUpload, S3_MULTIPART, type StoredPart } from '../storage/multipart.js';
import { InvalidStateError, NotFoundError, ValidationError } from './errors.js';
import { findJob } from './sql/read-jobs.js';

/**
 * Sources uploaded in parts (S3 multipart uploads): the plan fixed at createJob, what the store holds,
 * presigned part PUTs, completion at startJob and abort when the job will never start. The truth about
 * which parts arrived is always the store's own ListParts, so it holds after any crash of anyone.
 */

/** What uploads in parts need. */
interface MultipartServices {
  store: ObjectStore;
  config: Config;
  logger: Logger;
}

const MiB = 1024 ** 2;
/** uploadPartUrls hands out at most this many part URLs per call. */
export const MAX_PART_URLS_PER_CALL = 100;

export interface PartPlan {
  /** Every part but the last is exactly this size. */
  partSizeBytes: number;
  partCount: number;
}

/**
 * The part size for a source: the preferred size (`UPLOAD_PART_BYTES`), or, when the source would need
 * more than S3's 10,000 parts, the smallest whole number of MiB that fits it in 10,000. Never under
 * S3's 5 MiB minimum (the configuration refuses less).
 */
export function planParts(sizeBytes: number, preferredPartBytes: number): PartPlan {
  const fitting = Math.ceil(sizeBytes / S3_MULTIPART.maxParts / MiB) * MiB;
  const partSizeBytes = Math.max(preferredPartBytes, fitting, S3_MULTIPART.minPartBytes);
  return { partSizeBytes, partCount: Math.max(1, Math.ceil(sizeBytes / partSizeBytes)) };
}

/** The exact length of part `partNumber` (1-based): the plan's size, or the remainder for the last. */
export function partLength(plan: PartPlan, sizeBytes: number, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSizeBytes : sizeBytes - (plan.partCount - 1) * plan.partSizeBytes;
}

/** A refusal when no plan can hold the size (parts would exceed S3's 5 GiB): null when it fits. */
export function planRefusal(sizeBytes: number, preferredPartBytes: number): ValidationError | null {
  if (planParts(sizeBytes, preferredPartBytes).partSizeBytes <= S3_MULTIPART.maxPartBytes) return null;
  return new ValidationError(
    `input.source.sizeBytes is ${sizeBytes} bytes: more than 10,000 parts of 5 GiB, the most an S3 upload holds`,
    'input.source.sizeBytes',
  );
}

/** The columns of a new job whose source is uploaded in parts: the store's upload is opened now. */
export async function openSourceUpload(
  services: MultipartServices,
  source: { key: string; contentType: string | null; sizeBytes: number },
): Promise<{ sourceUploadId: string; sourcePartSizeBytes: number; uploadExpiresAt: Date }> {
  const plan = planParts(source.sizeBytes, services.config.uploadPartBytes);
  const sourceUploadId = await services.store.createMultipartUpload(source.key, source.contentType ?? 'application/octet-stream');
  return {
    sourceUploadId,
    sourcePartSizeBytes: plan.partSizeBytes,
    uploadExpiresAt: new Date(Date.now() + services.config.multipartUploadTtlSeconds * 1000),
  };
}

/** The job's part plan and declared size; null unless its source is an upload in parts. */
function planOf(job: Job): (PartPlan & { sourceSizeBytes: number }) | null {
  if (job.sourceUploadId === null || job.sourcePartSizeBytes === null || job.sourceSizeBytes === null) return null;
  const sourceSizeBytes = job.sourceSizeBytes;
  return { partSizeBytes: job.sourcePartSizeBytes, partCount: Math.max(1, Math.ceil(sourceSizeBytes / job.sourcePartSizeBytes)), sourceSizeBytes };
}

export interface MultipartUploadView extends PartPlan {
  uploadedParts: Array<{ number: number; sizeBytes: number }>;
  expiresAt: Date;
}

/** `Job.source.multipartUpload`: the plan and the parts the store holds now; null unless AWAITING_UPLOAD in parts. */
export async function readMultipartUpload(services: MultipartServices, job: Job): Promise<MultipartUploadView | null> {
  const plan = planOf(job);
  if (!plan || job.status !== 'AWAITING_UPLOAD') return null;
  const parts = await storedParts(services, job);
  // Null: the store completed the upload (a startJob that did not get as far as queueing): all there.
  const uploaded = parts ?? Array.from({ length: plan.partCount }, (_, index) => ({ partNumber: index + 1, sizeBytes: partLength(plan, plan.sourceSizeBytes, index + 1) }));
  return { partSizeBytes: plan.partSizeBytes, partCount: plan.partCount, uploadedParts: uploaded.map((part) => ({ number: part.partNumber, sizeBytes: part.sizeBytes })), expiresAt: job.uploadExpiresAt };
}

/** The parts the store holds, or null when the upload no longer exists there (completed or aborted). */
async function storedParts(services: MultipartServices, job: Job): Promise<StoredPart[] | null> {
  try {
    return await services.store.listParts(job.sourceKey, job.sourceUploadId!);
  } catch (error) {
    if (isNoSuchUpload(error)) return null;
    throw error;
  }
}

export type UploadPartUrl = PresignedRequest & { number: number };

/** `uploadPartUrls`: presigned PUTs bound to each part's exact length, for 1 to 100 parts in any order. */
export async function grantPartUrls(
  services: MultipartServices & { db: Database },
  tenantId: string,
  id: string,
  partNumbers: readonly number[],
): Promise<{ parts: UploadPartUrl[] } | NotFoundError | InvalidStateError | ValidationError> {
  if (partNumbers.length < 1 || partNumbers.length > MAX_PART_URLS_PER_CALL) {
    return new ValidationError(`partNumbers must list from 1 to ${MAX_PART_URLS_PER_CALL} part numbers (ask again for more)`, 'partNumbers');
  }
  const record = await findJob(services.db, tenantId, id);
  if (!record) return new NotFoundError('No job with this id');
  const { job } = record;
  if (job.status !== 'AWAITING_UPLOAD') {
    return new InvalidStateError(`The job is ${job.status}; part URLs exist only while it is AWAITING_UPLOAD`, job.status);
  }
  const plan = planOf(job);
  if (!plan) return new ValidationError('This job is uploaded in one PUT (source.upload), not in parts; create it with source.multipart: true for parts', 'id');
  const wrong = partNumbers.find((number) => !Number.isInteger(number) || number < 1 || number > plan.partCount);
  if (wrong !== undefined) return new ValidationError(`partNumbers: ${wrong} is not a part of this upload (parts are 1 to ${plan.partCount})`, 'partNumbers');
  const remainingSeconds = Math.floor((job.uploadExpiresAt.getTime() - Date.now()) / 1000);
  if (remainingSeconds < 1) {
    return new ValidationError(`The upload window closed at ${job.uploadExpiresAt.toISOString()}; create a new job`, 'id');
  }
  const expiresInSeconds = Math.min(services.config.uploadUrlTtlSeconds, remainingSeconds);
  const parts = await Promise.all(
    [...new Set(partNumbers)].map(async (number) => ({
      number,
      ...(await services.store.presignPartPut(job.sourceKey, job.sourceUploadId!, number, {
        contentLength: partLength(plan, plan.sourceSizeBytes, number),
        expiresInSeconds,
      })),
    })),
  );
  return { parts };
}

/**
 * At startJob: completes the upload from the store's own part list (the client sends no ETags). A
 * ValidationError names the parts missing or of the wrong size, or sent after the window closed. An
 * upload the store no longer has was completed already (a startJob retried): the caller's check of
 * the object decides.
 */
export async function completeSourceUpload(services: MultipartServices, job: Job): Promise<ValidationError | null> {
  const plan = planOf(job);
  if (!plan) return null;
  const parts = await storedParts(services, job);
  if (!parts) return null;
  const held = new Map(parts.map((part) => [part.partNumber, part]));
  const missing: number[] = [];
  const wrongSize: string[] = [];
  for (let number = 1; number <= plan.partCount; number++) {
    const part = held.get(number);
    const expected = partLength(plan, plan.sourceSizeBytes, number);
    if (!part) missing.push(number);
    else if (part.sizeBytes !== expected) wrongSize.push(`${number} (${part.sizeBytes} bytes, expected ${expected})`);
  }
  for (const part of parts) if (part.partNumber > plan.partCount) wrongSize.push(`${part.partNumber} (beyond the last part, ${plan.partCount})`);
  if (missing.length > 0 || wrongSize.length > 0) {
    const problems = [
      ...(missing.length > 0 ? [`missing part${missing.length > 1 ? 's' : ''} ${listNumbers(missing)} of ${plan.partCount}`] : []),
      ...(wrongSize.length > 0 ? [`wrong-sized part${wrongSize.length > 1 ? 's' : ''} ${wrongSize.join(', ')}`] : []),
    ];
    return new ValidationError(`The upload is not complete: ${problems.join('; ')}. Upload them (uploadPartUrls) and start the job again`, 'id');
  }
  const late = parts.find((part) => part.lastModified && part.lastModified.getTime() > job.uploadExpiresAt.getTime() + 1000);
  if (late) return new ValidationError(`Part ${late.partNumber} arrived after the upload window closed at ${job.uploadExpiresAt.toISOString()}; create a new job`, 'id');
  await services.store.completeMultipartUpload(job.sourceKey, job.sourceUploadId!, parts);
  return null;
}

/**
 * Discards the parts of a source upload that will never be completed (its job canceled, deleted or
 * expired). Idempotent: an upload already completed or aborted is left as it is.
 */
export async function abortSourceUpload(services: { store: ObjectStore }, job: Pick<Job, 'sourceKey' | 'sourceUploadId'>): Promise<void> {
  if (job.sourceUploadId === null) return;
  await services.store.abortMultipartUpload(job.sourceKey, job.sourceUploadId);
}

/** "3, 7, 9" with runs shortened: "1-40, 42" (a 3,000-part upload can miss many). */
function listNumbers(numbers: number[]): string {
  const runs: string[] = [];
  for (let index = 0; index < numbers.length; ) {
    let end = index;
    while (end + 1 < numbers.length && numbers[end + 1] === numbers[end]! + 1) end++;
    runs.push(end > index ? `${numbers[index]}-${numbers[end]}` : String(numbers[index]));
    index = end + 1;
  }
  return runs.join(', ');
}
