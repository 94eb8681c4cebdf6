/**
 * ListMultipartUploads and AbortMultipartUpload for the embedded store: s3rver answers both with
 * NotImplemented, and the maintenance loop and deleteJob need them (S3, R2, MinIO and Tigris all have
 * them). Served by the signing front, after the signature check, from s3rver's own record of open
 * uploads (`<bucket>/._S3rver_uploads/<uploadId>/key`, which s3rver removes when an upload completes).
 */
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

export interface EmbeddedMultipartOptions {
  /** s3rver's directory. */
  directory: string;
  bucket: string;
}

/** Answers the request if it is one of the two; false to pass it on to s3rver. */
export async function serveEmbeddedMultipart(request: IncomingMessage, response: ServerResponse, options: EmbeddedMultipartOptions): Promise<boolean> {
  const url = new URL(request.url ?? '/', 'http://store');
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  if (segments[0] !== options.bucket) return false;
  const uploadsDirectory = path.join(options.directory, options.bucket, '._S3rver_uploads');
  if (request.method === 'GET' && segments.length === 1 && url.searchParams.has('uploads')) {
    const prefix = url.searchParams.get('prefix') ?? '';
    const uploads = (await readUploads(uploadsDirectory)).filter((upload) => upload.key.startsWith(prefix));
    uploads.sort((a, b) => (a.key === b.key ? a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1));
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${escapeXml(options.bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      `<Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>10000</MaxUploads><IsTruncated>false</IsTruncated>` +
      uploads
        .map((upload) => `<Upload><Key>${escapeXml(upload.key)}</Key><UploadId>${escapeXml(upload.uploadId)}</UploadId><Initiated>${upload.initiated.toISOString()}</Initiated></Upload>`)
        .join('') +
      `</ListMultipartUploadsResult>`;
    response.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
    return true;
  }
  const uploadId = url.searchParams.get('uploadId');
  if (request.method === 'DELETE' && segments.length > 1 && uploadId !== null) {
    const directory = path.join(uploadsDirectory, path.basename(uploadId));
    const key = segments.slice(1).map(decodeURIComponent).join('/');
    const recorded = await fs.readFile(path.join(directory, 'key'), 'utf8').catch(() => null);
    if (recorded !== key || path.basename(uploadId) !== uploadId) {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
      response.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      return true;
    }
    await fs.rm(directory, { recursive: true, force: true });
    response.writeHead(204).end();
    return true;
  }
  return false;
}

async function readUploads(directory: string): Promise<Array<{ key: string; uploadId: string; initiated: Date }>> {
  const ids = await fs.readdir(directory).catch(() => [] as string[]);
  const uploads = await Promise.all(
    ids.map(async (uploadId) => {
      const keyFile = path.join(directory, uploadId, 'key');
      const [key, stat] = await Promise.all([fs.readFile(keyFile, 'utf8').catch(() => null), fs.stat(keyFile).catch(() => null)]);
      return key !== null && stat !== null ? { key, uploadId, initiated: stat.mtime } : null;
    }),
  );
  return uploads.filter((upload) => upload !== null);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
