/**
 * Copies a fetched URL source from the worker's disk into the store, through presigned URLs the API
 * hands out for the current lease only, then has the API record it: from then on no attempt fetches
 * the URL again (a retry downloads the copy, as for an upload).
 */
import type { JobApi } from './api-client.js';
import { putFile, putPart } from './transfer.js';

/** Part URLs asked for at once: each batch is fresh when its parts start. */
const PART_BATCH = 16;
/** Parts sent at once. */
const PART_CONCURRENCY = 4;

/** The API said the job is no longer this attempt's: stop quietly. */
export class CopyLeaseEnded extends Error {
  constructor(readonly reason: 'canceled' | 'lost') {
    super(`job ${reason}`);
  }
}

export async function copySourceToStore(
  api: JobApi,
  file: string,
  source: { sizeBytes: number; contentType: string },
  signal: AbortSignal,
  onFraction: (fraction: number) => void,
): Promise<void> {
  const grant = await api.sourceCopy(source);
  if (grant.status === 'lost' || grant.status === 'canceled') throw new CopyLeaseEnded(grant.status);
  if (grant.single) {
    await putFile(grant.single.url, file, grant.single.headers, signal);
    onFraction(1);
    return settle(await api.sourceCopied({ sizeBytes: source.sizeBytes, multipart: null }));
  }
  const { uploadId, partSizeBytes, partCount } = grant.multipart!;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  let sent = 0;
  for (let first = 1; first <= partCount; first += PART_BATCH) {
    const partNumbers = Array.from({ length: Math.min(PART_BATCH, partCount - first + 1) }, (_, index) => first + index);
    const batch = await api.sourceCopy({ ...source, parts: { uploadId, partNumbers } });
    if (batch.status === 'lost' || batch.status === 'canceled') throw new CopyLeaseEnded(batch.status);
    const queue = [...batch.multipart!.parts];
    await Promise.all(
      Array.from({ length: PART_CONCURRENCY }, async () => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const begin = (part.partNumber - 1) * partSizeBytes;
          const end = Math.min(source.sizeBytes, begin + partSizeBytes);
          parts.push({ partNumber: part.partNumber, etag: await putPart(part.url, file, begin, end, signal) });
          sent += end - begin;
          onFraction(sent / source.sizeBytes);
        }
      }),
    );
  }
  parts.sort((a, b) => a.partNumber - b.partNumber);
  settle(await api.sourceCopied({ sizeBytes: source.sizeBytes, multipart: { uploadId, parts } }));
}

function settle(answer: { status: 'ok' | 'canceled' | 'lost' }): void {
  if (answer.status !== 'ok') throw new CopyLeaseEnded(answer.status);
}
