import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { ApiClient } from '../client/api-client.js';
import { createJob, type CreatedJob } from '../client/jobs.js';
import { JobRequestError } from '../client/errors.js';
import type { CreateJobInput } from '../client/generated/graphql.js';
import { missingParts, uploadMissingParts } from '../client/upload-parts.js';
import { createTransferBar } from './bars.js';

/** Files above this go up in parts, four at a time, and an interrupted upload resumes. */
export const MULTIPART_ABOVE_BYTES = 64 * 1024 ** 2;
const PARTS_AT_ONCE = 4;
/** Bytes of the file's head and tail that go into its fingerprint: enough to tell files apart, cheap on 50 GB. */
const SAMPLE_BYTES = 1024 ** 2;

/**
 * The idempotency key of a resumable upload: the same file (size, modification time, a hash of its
 * first and last MiB) with the same request (name, type, outputs) gives the same key, so running the
 * same command again finds the job already created (createJob answers it) and its parts in the store.
 * Any change to the file or to the request gives another key, hence a new job.
 */
export async function resumeKey(file: string, input: CreateJobInput): Promise<string> {
  const info = await stat(file);
  const hash = createHash('sha256').update(JSON.stringify([info.size, Math.trunc(info.mtimeMs), input]));
  const handle = await open(file, 'r');
  try {
    for (const position of [0, Math.max(0, info.size - SAMPLE_BYTES)]) {
      const buffer = Buffer.alloc(Math.min(SAMPLE_BYTES, info.size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return `ffly-cli-${hash.digest('hex').slice(0, 48)}`;
}

/**
 * Creates the job for an upload in parts, or finds the one an earlier run of the same command
 * created. A job of that earlier run that can no longer take its upload (canceled, failed, its
 * window closed) is left alone and a new one is created under a key derived from it.
 */
export async function createResumableJob(client: ApiClient, file: string, input: CreateJobInput): Promise<{ job: CreatedJob; resumed: boolean }> {
  const key = await resumeKey(file, input);
  let job = await createJob(client, { ...input, source: { ...input.source, multipart: true }, idempotencyKey: key });
  const stale = job.status !== 'AWAITING_UPLOAD' && (job.status === 'CANCELED' || job.status === 'FAILED');
  const closed = job.status === 'AWAITING_UPLOAD' && job.source.multipartUpload && Date.parse(job.source.multipartUpload.expiresAt) < Date.now();
  if (stale || closed) {
    job = await createJob(client, { ...input, source: { ...input.source, multipart: true }, idempotencyKey: `${key}-after-${job.id}`.slice(0, 255) });
  }
  const resumed = job.status !== 'AWAITING_UPLOAD' || (job.source.multipartUpload?.uploadedParts.length ?? 0) > 0;
  return { job, resumed };
}

/**
 * Sends the parts the store does not hold yet, with one progress bar over the whole file (the parts
 * already there count as done). `FFLY_UPLOAD_KILL_AFTER_PARTS` (tests only) kills the process as
 * abruptly as a power cut once that many parts are stored (sending one part at a time then).
 */
export async function uploadInParts(client: ApiClient, job: CreatedJob, file: string, sizeBytes: number): Promise<void> {
  const upload = job.source.multipartUpload;
  if (!upload) throw new JobRequestError('InvalidStateError', 'The API returned no multipart upload for the job');
  const missing = missingParts(upload);
  if (upload.uploadedParts.length > 0) {
    process.stderr.write(`Resuming the upload: ${upload.uploadedParts.length} of ${upload.partCount} parts already uploaded, sending ${missing.length}\n`);
  }
  const killAfter = Number(process.env.FFLY_UPLOAD_KILL_AFTER_PARTS ?? 0);
  let stored = 0;
  const bar = createTransferBar('upload', sizeBytes);
  try {
    await uploadMissingParts(client, job.id, file, sizeBytes, upload, {
      // Under the test hook one part at a time, so that exactly `killAfter` parts reach the store: with
      // four in flight, the others may finish arriving before the kill lands.
      concurrency: killAfter > 0 ? 1 : PARTS_AT_ONCE,
      onProgress: (bytes) => bar.update(bytes),
      onPartStored: () => {
        stored += 1;
        if (killAfter > 0 && stored >= killAfter) process.kill(process.pid, 'SIGKILL');
      },
    });
  } finally {
    bar.stop();
  }
}
