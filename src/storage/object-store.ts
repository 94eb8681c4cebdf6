import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createMultipartOperations } from './multipart.js';
import type { PresignedRequest } from './presigned.js';
import { createSigV4Presigner } from './sigv4-presign.js';

export interface ObjectStoreSettings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export type { PresignedRequest } from './presigned.js';

export interface ObjectHead {
  sizeBytes: number;
  contentType: string | null;
  lastModified: Date | null;
}

export type ObjectStore = ReturnType<typeof createObjectStore>;

/**
 * The S3-compatible store (AWS S3, R2, Tigris, MinIO, or the embedded s3rver) behind the presigned
 * URLs that clients and workers use; the API never proxies media bytes.
 */
export function createObjectStore(settings: ObjectStoreSettings) {
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Otherwise presigned PUTs carry a CRC32 checksum of an empty body, and real uploads fail.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = settings.bucket;
  // URLs are signed here, once per call, without the SDK's per-URL middleware stack; null (an
  // addressing it does not reproduce) leaves them to the SDK.
  const presign = createSigV4Presigner(settings);

  return {
    bucket: Bucket,
    client,

    /** A PUT bound to the type, and to the length when given: the store refuses any other body. */
    async presignPut(key: string, options: { contentType: string; contentLength?: number; expiresInSeconds: number }): Promise<PresignedRequest> {
      const sized = options.contentLength !== undefined;
      const now = Date.now();
      const url = presign
        ? presign({
            method: 'PUT',
            key,
            operation: 'PutObject',
            expiresInSeconds: options.expiresInSeconds,
            headers: { 'content-type': options.contentType, ...(sized ? { 'content-length': String(options.contentLength) } : {}) },
            now,
          })
        : await getSignedUrl(
            client,
            new PutObjectCommand({ Bucket, Key: key, ContentType: options.contentType, ...(sized ? { ContentLength: options.contentLength } : {}) }),
            { expiresIn: options.expiresInSeconds, signableHeaders: new Set(sized ? ['content-type', 'content-length'] : ['content-type']) },
          );
      return {
        url,
        method: 'PUT',
        headers: { 'Content-Type': options.contentType, ...(sized ? { 'Content-Length': String(options.contentLength) } : {}) },
        expiresAt: new Date(now + options.expiresInSeconds * 1000),
      };
    },

    async presignGet(key: string, options: { expiresInSeconds: number; downloadName?: string }): Promise<PresignedRequest> {
      const disposition = options.downloadName ? contentDisposition(options.downloadName) : null;
      const now = Date.now();
      const url = presign
        ? presign({
            method: 'GET',
            key,
            operation: 'GetObject',
            expiresInSeconds: options.expiresInSeconds,
            ...(disposition ? { query: { 'response-content-disposition': disposition } } : {}),
            now,
          })
        : await getSignedUrl(
            client,
            new GetObjectCommand({ Bucket, Key: key, ...(disposition ? { ResponseContentDisposition: disposition } : {}) }),
            { expiresIn: options.expiresInSeconds },
          );
      return { url, method: 'GET', headers: {}, expiresAt: new Date(now + options.expiresInSeconds * 1000) };
    },

    /** Null when the object does not exist. */
    async head(key: string): Promise<ObjectHead | null> {
      try {
        const result = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { sizeBytes: result.ContentLength ?? 0, contentType: result.ContentType ?? null, lastModified: result.LastModified ?? null };
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
        throw error;
      }
    },

    async getText(key: string): Promise<string | null> {
      try {
        const result = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return (await result.Body?.transformToString('utf-8')) ?? null;
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
        throw error;
      }
    },

    /** Deletes every object under a prefix (a job's files). */
    async deletePrefix(prefix: string): Promise<number> {
      let deleted = 0;
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
        const keys = (page.Contents ?? []).map((item) => ({ Key: item.Key! }));
        if (keys.length > 0) {
          await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
          deleted += keys.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return deleted;
    },

    ...createMultipartOperations(client, Bucket),

    close(): void {
      client.destroy();
    },
  };
}

/** RFC 6266 attachment header with an ASCII fallback and the UTF-8 name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
