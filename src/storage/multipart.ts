import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { PresignedRequest } from './presigned.js';

/** One part the store holds for a multipart upload (what ListParts answers). */
export interface StoredPart {
  partNumber: number;
  sizeBytes: number;
  etag: string;
  lastModified: Date | null;
}

export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated: Date | null;
}

/** S3's rules for multipart uploads (AWS S3, R2, Tigris, MinIO and the embedded store agree on these). */
export const S3_MULTIPART = {
  minPartBytes: 5 * 1024 ** 2,
  maxPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
  /** Above this, S3 and R2 refuse a single PUT: only a multipart upload can store the object. */
  maxSinglePutBytes: 5 * 1024 ** 3,
} as const;

/** True when the store says the upload id names no upload in progress (completed, aborted, never made). */
export function isNoSuchUpload(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchUpload' || error.$metadata.httpStatusCode === 404);
}

/**
 * The store's multipart primitives: create, presign a part PUT, upload a part from a stream, list the
 * parts held, complete from a part list, abort, and list the uploads in progress under a prefix.
 */
export function createMultipartOperations(client: S3Client, Bucket: string) {
  return {
    async createMultipartUpload(key: string, contentType: string): Promise<string> {
      const result = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType }));
      return result.UploadId!;
    },

    /** A part PUT URL, unbound to a length (the worker's output uploads send ETags back themselves). */
    async presignUploadPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
      return getSignedUrl(client, new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }), { expiresIn: expiresInSeconds });
    },

    /**
     * A PUT for one part bound to its exact length: the store refuses any other body. Only
     * Content-Length is signed, which a browser sends by itself from the blob's size.
     */
    async presignPartPut(key: string, uploadId: string, partNumber: number, options: { contentLength: number; expiresInSeconds: number }): Promise<PresignedRequest> {
      const command = new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: options.contentLength });
      const url = await getSignedUrl(client, command, { expiresIn: options.expiresInSeconds, signableHeaders: new Set(['content-length']) });
      return {
        url,
        method: 'PUT',
        headers: { 'Content-Length': String(options.contentLength) },
        expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000),
      };
    },

    /** Sends one part from the server side (e.g. a source copied in from a URL); returns its ETag. */
    async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable | Buffer, contentLength: number): Promise<string> {
      const result = await client.send(
        new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: contentLength }),
      );
      return result.ETag!;
    },

    /** Every part the store holds now, by part number (all pages). Throws NoSuchUpload (see isNoSuchUpload). */
    async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const part of page.Parts ?? []) {
          parts.push({ partNumber: part.PartNumber!, sizeBytes: part.Size ?? 0, etag: part.ETag!, lastModified: part.LastModified ?? null });
        }
        if (!page.IsTruncated || !page.NextPartNumberMarker) break;
        marker = page.NextPartNumberMarker;
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },

    async completeMultipartUpload(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<void> {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      );
    },

    /** Discards the upload and every part it holds; an upload already gone is not an error. */
    async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (!isNoSuchUpload(error)) throw error;
      }
    },

    /** Uploads in progress whose key starts with `prefix` (all pages). */
    async listMultipartUploads(prefix: string): Promise<PendingUpload[]> {
      const uploads: PendingUpload[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const upload of page.Uploads ?? []) uploads.push({ key: upload.Key!, uploadId: upload.UploadId!, initiated: upload.Initiated ?? null });
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
      return uploads;
    },
  };
}
