import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobApi } from './api-client.js';
import { putFile, putPart } from './transfer.js';

/** Files asked for (and uploaded) per `uploads` call: the URLs are fresh when each batch starts. */
const UPLOAD_BATCH = 8;

/** The API said the job or task is no longer this worker's (canceled, or the lease was taken back). */
export class LeaseEnded extends Error {
  constructor(readonly reason: 'canceled' | 'lost') {
    super(`lease ${reason}`);
  }
}

export interface UploadFile {
  /** Relative to `directory`, "/"-separated: also the path the API records under this lease's prefix. */
  path: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * Uploads files under the caller's lease prefix, asking for URLs in small batches right before use
 * (they live only a few lease periods); large files go up in parts. `lost`/`canceled` stop at once.
 */
export async function uploadFiles(api: JobApi, directory: string, files: readonly UploadFile[], signal: AbortSignal, onFraction: (fraction: number) => void): Promise<void> {
  const total = files.reduce((sum, file) => sum + file.sizeBytes, 0) || 1;
  let done = 0;
  for (let start = 0; start < files.length; start += UPLOAD_BATCH) {
    if (signal.aborted) return;
    const batch = files.slice(start, start + UPLOAD_BATCH);
    const granted = await api.uploads({ files: batch.map(({ path: file, contentType, sizeBytes }) => ({ path: file, contentType, sizeBytes })) });
    if (granted.status === 'lost' || granted.status === 'canceled') throw new LeaseEnded(granted.status);
    await Promise.all(
      batch.map(async (file) => {
        const local = path.join(directory, file.path);
        const grant = granted.files.find((candidate) => candidate.path === file.path);
        if (!grant) throw new Error(`no upload URL for ${file.path}`);
        if (grant.kind === 'multipart') {
          const parts: Array<{ partNumber: number; etag: string }> = [];
          const { size } = await stat(local);
          for (const part of grant.parts) {
            const begin = (part.partNumber - 1) * grant.partSizeBytes;
            parts.push({ partNumber: part.partNumber, etag: await putPart(part.url, local, begin, Math.min(size, begin + grant.partSizeBytes), signal) });
          }
          const answer = await api.completeMultipart({ path: file.path, uploadId: grant.uploadId, parts });
          if (answer.status !== 'ok') throw new LeaseEnded(answer.status);
        } else {
          await putFile(grant.upload.url, local, grant.upload.headers, signal);
        }
        done += file.sizeBytes;
        onFraction(done / total);
      }),
    );
  }
}

/** Sizes of local files, for `uploads` and `task-complete`. */
export async function describeFiles(directory: string, paths: readonly string[], contentType: string): Promise<UploadFile[]> {
  return Promise.all(paths.map(async (file) => ({ path: file, contentType, sizeBytes: (await stat(path.join(directory, file))).size })));
}
