import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNoSuchUpload } from '../../src/storage/multipart.js';
import { startTestApp, type TestApp } from '../support/app.js';

const MiB = 1024 ** 2;

/** The embedded store's multipart API behaves as S3's (issue 15): s3rver alone had no ListParts, no abort, no checks. */
describe('multipart uploads on the embedded store', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());
  const store = () => app.server.services.store;

  const s3Error = async (response: Response) => {
    const text = await response.text();
    return { status: response.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1] };
  };

  async function putPart(key: string, uploadId: string, partNumber: number, body: Buffer) {
    const put = await store().presignPartPut(key, uploadId, partNumber, { contentLength: body.length, expiresInSeconds: 60 });
    return fetch(put.url, { method: put.method, headers: put.headers, body: new Uint8Array(body) });
  }

  it('takes presigned parts in any order, lists them, replaces a part sent again, and completes from the listed parts', async () => {
    const key = 'jobs/mp/source/a.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const uploadId = await store().createMultipartUpload(key, 'video/mp4');
    expect(await store().listParts(key, uploadId)).toEqual([]);
    expect((await putPart(key, uploadId, 3, parts[2]!)).status).toBe(200);
    expect((await putPart(key, uploadId, 1, randomBytes(5 * MiB))).status).toBe(200);
    expect((await putPart(key, uploadId, 1, parts[0]!)).status).toBe(200); // sent again: replaces
    expect((await store().listParts(key, uploadId)).map((part) => [part.partNumber, part.sizeBytes])).toEqual([
      [1, 5 * MiB],
      [3, 1234],
    ]);
    expect((await store().listMultipartUploads('jobs/mp/')).map((upload) => upload.uploadId)).toEqual([uploadId]);

    expect((await putPart(key, uploadId, 2, parts[1]!)).status).toBe(200);
    await store().completeMultipartUpload(key, uploadId, await store().listParts(key, uploadId));
    const head = await store().head(key);
    expect(head).toMatchObject({ sizeBytes: 10 * MiB + 1234, contentType: 'video/mp4' });
    const body = Buffer.from(await (await fetch((await store().presignGet(key, { expiresInSeconds: 60 })).url)).arrayBuffer());
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    // Completed: the upload is gone, as on S3.
    expect(await store().listParts(key, uploadId).catch((error: unknown) => isNoSuchUpload(error))).toBe(true);
    expect(await store().listMultipartUploads('jobs/mp/')).toEqual([]);
  });

  it('refuses unsigned, wrongly sized and misnumbered part PUTs, and parts of unknown uploads', async () => {
    const key = 'jobs/mp/source/b.bin';
    const uploadId = await store().createMultipartUpload(key, 'video/mp4');
    const put = await store().presignPartPut(key, uploadId, 1, { contentLength: 10, expiresInSeconds: 60 });
    const unsigned = new URL(put.url);
    for (const name of [...unsigned.searchParams.keys()]) if (name.startsWith('X-Amz-')) unsigned.searchParams.delete(name);
    expect(await s3Error(await fetch(unsigned, { method: 'PUT', body: 'x'.repeat(10) }))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await s3Error(await fetch(put.url, { method: 'PUT', body: 'x'.repeat(11) }))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    const tooHigh = await store().presignPartPut(key, uploadId, 10_001, { contentLength: 1, expiresInSeconds: 60 });
    expect(await s3Error(await fetch(tooHigh.url, { method: 'PUT', headers: tooHigh.headers, body: 'x' }))).toEqual({ status: 400, code: 'InvalidArgument' });
    const unknown = await store().presignPartPut(key, '0'.repeat(32), 1, { contentLength: 1, expiresInSeconds: 60 });
    expect(await s3Error(await fetch(unknown.url, { method: 'PUT', headers: unknown.headers, body: 'x' }))).toEqual({ status: 404, code: 'NoSuchUpload' });
    expect(await store().listParts(key, uploadId)).toEqual([]);
    await store().abortMultipartUpload(key, uploadId);
  });

  it('refuses to complete with a part under 5 MiB before the last, a wrong ETag, a missing part or parts out of order', async () => {
    const key = 'jobs/mp/source/c.bin';
    const uploadId = await store().createMultipartUpload(key, 'video/mp4');
    await putPart(key, uploadId, 1, randomBytes(1 * MiB));
    await putPart(key, uploadId, 2, randomBytes(100));
    const listed = await store().listParts(key, uploadId);
    const complete = (parts: Array<{ PartNumber: number; ETag: string }>) =>
      store()
        .client.send(new CompleteMultipartUploadCommand({ Bucket: store().bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
        .then(() => 'completed', (error: { name: string }) => error.name);
    const parts = listed.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }));
    expect(await complete(parts)).toBe('EntityTooSmall');
    expect(await complete([{ ...parts[0]!, ETag: '"0123"' }])).toBe('InvalidPart');
    expect(await complete([parts[0]!, { PartNumber: 3, ETag: parts[1]!.ETag }])).toBe('InvalidPart');
    expect(await complete([parts[1]!, parts[0]!])).toBe('InvalidPartOrder');
    // Nothing was stored, and the upload is still there to fix.
    expect(await store().head(key)).toBeNull();
    expect(await store().listParts(key, uploadId)).toHaveLength(2);
  });

  it('aborts an upload: its parts are gone and further parts are refused', async () => {
    const key = 'jobs/mp/source/d.bin';
    const uploadId = await store().createMultipartUpload(key, 'video/mp4');
    await putPart(key, uploadId, 1, randomBytes(1000));
    await store().abortMultipartUpload(key, uploadId);
    await store().abortMultipartUpload(key, uploadId); // twice: already gone is fine
    expect(await store().listParts(key, uploadId).catch((error: unknown) => isNoSuchUpload(error))).toBe(true);
    expect(await s3Error(await putPart(key, uploadId, 2, randomBytes(10)))).toEqual({ status: 404, code: 'NoSuchUpload' });
    expect((await store().listMultipartUploads('jobs/mp/source/d')).length).toBe(0);
  });
});
