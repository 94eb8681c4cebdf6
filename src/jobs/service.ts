import { randomUUID } from 'node:crypto';
import { expandRenditions } from '../../protocol/job-spec.js';
import { InvalidStateError, NotFoundError, ValidationError } from './errors.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { validateCreateJobInput, type CreateJobInput } from './create-input.js';
import { hashInput, IDEMPOTENCY_WINDOW_MS } from './idempotency.js';
import { outputKey, sourceKey } from './keys.js';
import { cancelJobRow } from './sql/cancel-job.js';
import { enqueueJob } from './sql/enqueue-job.js';
import { insertJobWithinCap, releaseIdempotencyKey } from './sql/insert-job.js';
import { findJob, findJobByIdempotencyKey, type JobRecord } from './sql/read-jobs.js';
import { pendingUploadsError, pendingUploadsRefusal } from './pending-uploads.js';
import { abortSourceUpload, completeSourceUpload, openSourceUpload, planRefusal } from './multipart-upload.js';
import { validateLifecycleInput } from './lifecycle-input.js';

/** Spacing of rendition positions; see completeJob for the renditions placed between. */
export const RENDITION_POSITION_GAP = 10;

export { CANCELABLE_STATUSES } from './transitions.js';

/** What the job operations need; the GraphQL context's services fit it. */
export interface JobServices {
  db: Database;
  store: ObjectStore;
  config: Config;
  logger: Logger;
  /** Checks a webhook URL's host (SSRF guard); returns a reason to refuse it, or null. */
  checkWebhookUrl?: (url: string) => Promise<string | null>;
  /** Checks a source URL's host against the same address rules (INGEST_ALLOW_PRIVATE); a reason, or null. */
  checkSourceUrl?: (url: string) => Promise<string | null>;
}

/**
 * Creates a job awaiting its upload (or, for a URL source, QUEUED at once: a worker fetches it), or
 * returns the job an idempotent retry already created.
 */
export async function createJob(services: JobServices, tenantId: string, input: CreateJobInput): Promise<JobRecord | ValidationError> {
  const { config, db } = services;
  const validated = validateCreateJobInput(input, { maxUploadBytes: config.maxUploadBytes });
  if (validated instanceof ValidationError) return validated;
  const tooManyParts =
    validated.source.multipart && validated.source.sizeBytes !== null ? planRefusal(validated.source.sizeBytes, config.uploadPartBytes) : null;
  if (tooManyParts) return tooManyParts;
  const now = Date.now();
  const lifecycle = validateLifecycleInput(input, { now, retentionSeconds: config.retentionSeconds });
  if (lifecycle instanceof ValidationError) return lifecycle;
  if (validated.webhookUrl && services.checkWebhookUrl) {
    const refusal = await services.checkWebhookUrl(validated.webhookUrl);
    if (refusal) return new ValidationError(`input.webhookUrl ${refusal}`, 'input.webhookUrl');
  }
  if (validated.source.url && services.checkSourceUrl) {
    const refusal = await services.checkSourceUrl(validated.source.url);
    if (refusal) return new ValidationError(`input.source.url ${refusal}`, 'input.source.url');
  }

  // Only an idempotency key stores (and compares) the input's digest: no key, no hashing.
  const inputHash = validated.idempotencyKey ? hashInput(input) : null;
  if (validated.idempotencyKey) {
    const replay = await resolveIdempotentReplay(services, tenantId, validated.idempotencyKey, inputHash!);
    if (replay) return replay;
  }

  const fromUrl = validated.source.url !== null;
  const multipart = validated.source.multipart && validated.source.sizeBytes !== null;
  // The cap is checked by the insert itself (same statement); an upload in parts checks it first as
  // well, so that no upload is opened in the store for a job that will be refused.
  const pendingRefusal = multipart ? await pendingUploadsRefusal(db, tenantId, config.maxPendingUploads) : null;
  if (pendingRefusal) return pendingRefusal;

  const id = randomUUID();
  const key = sourceKey(id, validated.source.objectName);
  // An upload in parts is opened in the store now: its id is what every later call works from.
  const upload = multipart
    ? await openSourceUpload(services, { key, contentType: validated.source.contentType, sizeBytes: validated.source.sizeBytes! })
    : { sourceUploadId: null, sourcePartSizeBytes: null, uploadExpiresAt: new Date(now + config.uploadUrlTtlSeconds * 1000) };
  const result = await insertJobWithinCap(
    db,
    {
      id,
      tenantId,
      spec: validated.spec,
      priority: validated.priority,
      webhookUrl: validated.webhookUrl,
      idempotencyKey: validated.idempotencyKey,
      idempotencyHash: inputHash,
      sourceFilename: validated.source.filename,
      sourceContentType: validated.source.contentType,
      sourceSizeBytes: validated.source.sizeBytes,
      sourceKey: key,
      sourceUrl: validated.source.url,
      ...upload,
      // A URL source has nothing to upload: it is QUEUED at once, and a worker fetches it.
      ...(fromUrl ? { status: 'QUEUED' as const, queuedAt: new Date(now) } : {}),
      metadata: lifecycle.metadata,
      expiresAt: lifecycle.expiresAt,
    },
    expandRenditions(validated.spec).map((rendition, index) => ({
      // Gaps leave room for a rendition the worker substitutes (a quality that fits a small source).
      position: index * RENDITION_POSITION_GAP,
      name: rendition.name,
      contentType: rendition.contentType,
      key: outputKey(id, rendition.fileName),
    })),
    config.maxPendingUploads,
  );
  if (result.inserted) return result.inserted;
  await abortSourceUpload(services, { sourceKey: key, sourceUploadId: upload.sourceUploadId });
  if (result.refused) return pendingUploadsError(config.maxPendingUploads);
  // Another request with the same idempotency key won the insert race: answer as it did.
  const replay = await resolveIdempotentReplay(services, tenantId, validated.idempotencyKey!, inputHash!);
  return replay ?? new ValidationError('input.idempotencyKey is being used by a concurrent request; retry', 'input.idempotencyKey');
}

async function resolveIdempotentReplay(
  services: JobServices,
  tenantId: string,
  key: string,
  inputHash: string,
): Promise<JobRecord | ValidationError | null> {
  const existing = await findJobByIdempotencyKey(services.db, tenantId, key);
  if (!existing) return null;
  if (Date.now() - existing.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    await releaseIdempotencyKey(services.db, existing.id);
    return null;
  }
  if (existing.idempotencyHash !== inputHash) {
    return new ValidationError(
      'input.idempotencyKey was already used within 24 hours with a different input; use a new key for a different job',
      'input.idempotencyKey',
    );
  }
  return findJob(services.db, tenantId, existing.id);
}

/**
 * AWAITING_UPLOAD -> QUEUED, once the upload is verified: present, exactly the declared size, of the
 * declared type, and finished before the upload URL expired. The object store may not enforce the
 * presigned PUT's conditions itself (s3rver checks no signatures), so the API checks them here.
 */
export async function startJob(
  services: JobServices,
  tenantId: string,
  id: string,
): Promise<JobRecord | NotFoundError | InvalidStateError | ValidationError> {
  const record = await findJob(services.db, tenantId, id);
  if (!record) return new NotFoundError('No job with this id');
  const { job } = record;
  if (job.status !== 'AWAITING_UPLOAD') {
    return new InvalidStateError(`The job is ${job.status}; only a job AWAITING_UPLOAD can be started`, job.status);
  }
  const incomplete = await completeSourceUpload(services, job);
  if (incomplete) return incomplete;
  const head = await services.store.head(job.sourceKey);
  if (!head) {
    const expired = Date.now() > job.uploadExpiresAt.getTime();
    return new ValidationError(
      expired
        ? `No upload was received before the upload URL expired at ${job.uploadExpiresAt.toISOString()}; create a new job`
        : 'No upload was found for this job: PUT the file to source.upload.url (with its headers) before starting it',
      'id',
    );
  }
  if (head.sizeBytes !== job.sourceSizeBytes) {
    return new ValidationError(
      `The upload is ${head.sizeBytes} bytes but the job declared ${job.sourceSizeBytes} bytes; upload the declared file again`,
      'id',
    );
  }
  const declaredType = job.sourceContentType ?? 'application/octet-stream';
  if (head.contentType !== null && head.contentType.toLowerCase() !== declaredType) {
    return new ValidationError(`The upload's Content-Type is "${head.contentType}" but the job declared "${declaredType}"`, 'id');
  }
  // For an upload in parts the parts' own times were checked: the object is as new as its completion, now.
  if (job.sourceUploadId === null && head.lastModified && head.lastModified.getTime() > job.uploadExpiresAt.getTime() + 1000) {
    return new ValidationError(`The upload arrived after the upload URL expired at ${job.uploadExpiresAt.toISOString()}; create a new job`, 'id');
  }

  const updated = await enqueueJob(services.db, { tenantId, id, sizeBytes: head.sizeBytes });
  if (!updated) return stateErrorAfterRace(services, tenantId, id, 'started');
  return { job: updated, outputs: record.outputs };
}

/** Any non-terminal status -> CANCELED. A running worker learns it at its next progress report. */
export async function cancelJob(
  services: JobServices,
  tenantId: string,
  id: string,
): Promise<JobRecord | NotFoundError | InvalidStateError> {
  const updated = await cancelJobRow(services.db, { tenantId, id });
  if (!updated) return stateErrorAfterRace(services, tenantId, id, 'canceled');
  // Parts of an upload that will never be completed would otherwise stay in the store (and be billed).
  await abortSourceUpload(services, updated).catch((error: unknown) =>
    services.logger.warn({ err: error, jobId: id }, 'could not abort the canceled job\'s upload in parts; it stays in the store until aborted'),
  );
  const record = await findJob(services.db, tenantId, id);
  return record ?? new NotFoundError('No job with this id');
}

async function stateErrorAfterRace(services: JobServices, tenantId: string, id: string, verb: string) {
  const current = await findJob(services.db, tenantId, id);
  if (!current) return new NotFoundError('No job with this id');
  return new InvalidStateError(`The job is ${current.job.status} and cannot be ${verb}`, current.job.status);
}
