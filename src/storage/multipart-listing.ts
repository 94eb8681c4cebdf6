import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { ObjectStore } from './object-store.js';

export interface OpenMultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date | null;
}

/** Every multipart upload begun and neither completed nor aborted under `prefix` (ListMultipartUploads, all pages). */
export async function listMultipartUploads(store: Pick<ObjectStore, 'client' | 'bucket'>, prefix: string): Promise<OpenMultipartUpload[]> {
  const found: OpenMultipartUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await store.client.send(
      new ListMultipartUploadsCommand({ Bucket: store.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key && upload.UploadId) found.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated ?? null });
    }
    if (!page.IsTruncated) return found;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Aborts one multipart upload; one already gone (completed or aborted meanwhile) counts as aborted. */
export async function abortMultipartUpload(store: Pick<ObjectStore, 'client' | 'bucket'>, upload: { key: string; uploadId: string }): Promise<void> {
  try {
    await store.client.send(new AbortMultipartUploadCommand({ Bucket: store.bucket, Key: upload.key, UploadId: upload.uploadId }));
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return;
    throw error;
  }
}

/** Aborts every multipart upload under `prefix`; returns how many. */
export async function abortMultipartUploads(store: Pick<ObjectStore, 'client' | 'bucket'>, prefix: string): Promise<number> {
  const uploads = await listMultipartUploads(store, prefix);
  for (const upload of uploads) await abortMultipartUpload(store, upload);
  return uploads.length;
}
