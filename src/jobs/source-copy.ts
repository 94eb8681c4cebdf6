/**
 * The worker's side of a URL source (see protocol/worker-api.ts): where it puts its copy in the store,
 * and the record that the copy is there. Both only for the current lease; the copy goes under the
 * lease's own key ({@link sourceCopyKey}) and counts only once the API has seen it in the store at the
 * size the worker fetched.
 */
import { MULTIPART_PART_BYTES, MULTIPART_THRESHOLD_BYTES, type SourceCopiedRequest, type SourceCopyRequest, type SourceCopyResponse } from '../../protocol/worker-api.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { JobListener } from '../realtime/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { sanitizeFilename } from './create-input.js';
import { planParts } from './multipart-upload.js';
import { sourceCopyKey } from './keys.js';
import { recordSourceCopy } from './sql/source-copy.js';
import { touchLease, type Lease, type LeaseOutcome } from './sql/lease.js';
import { WorkerCallError, workerUrlTtlSeconds } from './worker-protocol.js';

/** What copying a URL source into the store needs. */
interface CopyServices {
  db: Database;
  store: ObjectStore;
  config: Config;
  jobListener: JobListener;
}

export type SourceCopyOutcome = { kind: 'ok'; response: SourceCopyResponse } | { kind: 'canceled' } | { kind: 'lost' };

/** A presigned PUT (or multipart upload, or a batch of its part URLs) for the attempt's copy of the source. */
export async function grantSourceCopy(services: CopyServices, lease: Lease, request: SourceCopyRequest): Promise<SourceCopyOutcome> {
  const outcome = await touchLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (outcome.kind !== 'ok') return outcome;
  const { job } = outcome;
  if (job.sourceUrl === null || job.sourceFetchedAt !== null) throw new WorkerCallError(400, 'This job has no URL source left to copy');
  if (request.sizeBytes > services.config.maxUploadBytes) throw new WorkerCallError(400, 'The source is larger than MAX_UPLOAD_BYTES');
  const key = sourceCopyKey(job.id, lease.leaseId, sanitizeFilename(job.sourceFilename));
  const ttl = workerUrlTtlSeconds(services.config.leaseMs);
  const { store } = services;
  // 16 MiB parts, bigger when the source needs them to fit S3's 10,000: the plan uploads in parts use.
  const partSizeBytes = planParts(request.sizeBytes, MULTIPART_PART_BYTES).partSizeBytes;
  const partCount = Math.max(1, Math.ceil(request.sizeBytes / partSizeBytes));
  if (request.parts) {
    if (request.parts.partNumbers.some((number) => number > partCount)) throw new WorkerCallError(400, `The copy has ${partCount} parts`);
    const parts = await Promise.all(
      request.parts.partNumbers.map(async (partNumber) => ({ partNumber, url: await store.presignUploadPart(key, request.parts!.uploadId, partNumber, ttl) })),
    );
    return { kind: 'ok', response: { status: 'ok', multipart: { uploadId: request.parts.uploadId, partSizeBytes, partCount, parts } } };
  }
  if (request.sizeBytes <= MULTIPART_THRESHOLD_BYTES) {
    const upload = await store.presignPut(key, { contentType: request.contentType, contentLength: request.sizeBytes, expiresInSeconds: ttl });
    return { kind: 'ok', response: { status: 'ok', single: { url: upload.url, headers: upload.headers } } };
  }
  const uploadId = await store.createMultipartUpload(key, request.contentType);
  return { kind: 'ok', response: { status: 'ok', multipart: { uploadId, partSizeBytes, partCount, parts: [] } } };
}

/**
 * The copy is in the store: completes its multipart upload (if any), checks the object is there at the
 * size the worker fetched, and records it on the job. Answers `lost`/`canceled` when the lease is gone.
 */
export async function completeSourceCopy(services: CopyServices, lease: Lease, request: SourceCopiedRequest): Promise<LeaseOutcome> {
  const checked = await touchLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (checked.kind !== 'ok') return checked;
  const key = sourceCopyKey(lease.jobId, lease.leaseId, sanitizeFilename(checked.job.sourceFilename));
  if (request.multipart) await services.store.completeMultipartUpload(key, request.multipart.uploadId, request.multipart.parts);
  const head = await services.store.head(key);
  // 422, not 409: a 409 means "lost" to the worker.
  if (!head || head.sizeBytes !== request.sizeBytes) {
    throw new WorkerCallError(422, `The copy of the source is ${head ? `${head.sizeBytes} bytes, not ${request.sizeBytes}` : 'not in the store'}`);
  }
  const outcome = await recordSourceCopy(services.db, { ...lease, leaseMs: services.config.leaseMs }, { key, sizeBytes: head.sizeBytes });
  if (outcome.kind === 'ok') services.jobListener.announce(outcome.job);
  return outcome;
}
