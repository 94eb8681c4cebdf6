import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

/** The embedded store refuses what S3 refuses (issue 12: s3rver checked no signature at all). */
describe('the embedded object store', () => {
  let app: TestApp;
  let endpoint: string;
  beforeAll(async () => {
    app = await startTestApp();
    const { store } = app.server.services;
    const put = await store.presignPut('jobs/secret/source.wav', { contentType: 'audio/wav', expiresInSeconds: 60 });
    const stored = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'tenant data' });
    if (!stored.ok) throw new Error(`seeding the store failed: ${stored.status}`);
    endpoint = new URL((await store.presignGet('jobs/secret/source.wav', { expiresInSeconds: 60 })).url).origin;
  });
  afterAll(() => app.stop());

  const s3Error = async (response: Response) => {
    const text = await response.text();
    return { status: response.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1] };
  };

  it('listens on loopback only', () => {
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
  });

  it.each([
    ['list', 'GET', '/ffly?list-type=2'],
    ['GET', 'GET', '/ffly/jobs/secret/source.wav'],
    ['HEAD', 'HEAD', '/ffly/jobs/secret/source.wav'],
    ['PUT', 'PUT', '/ffly/jobs/secret/other.wav'],
    ['DELETE', 'DELETE', '/ffly/jobs/secret/source.wav'],
  ])('refuses an unsigned %s with 403 AccessDenied', async (_name, method, path) => {
    const response = await fetch(`${endpoint}${path}`, { method, ...(method === 'PUT' ? { body: 'x' } : {}) });
    expect(response.status).toBe(403);
    if (method !== 'HEAD') expect((await s3Error(response)).code).toBe('AccessDenied');
    expect(await app.server.services.store.getText('jobs/secret/source.wav')).toBe('tenant data');
    expect(await app.server.services.store.head('jobs/secret/other.wav')).toBeNull();
  });

  it('refuses requests signed with another secret, in the header or presigned (SignatureDoesNotMatch)', async () => {
    const { store } = app.server.services;
    const intruder = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const listed = await intruder.send(new ListObjectsV2Command({ Bucket: store.bucket })).catch((error: { name: string }) => error);
    expect(listed).toMatchObject({ name: 'SignatureDoesNotMatch' });
    const url = await getSignedUrl(intruder, new GetObjectCommand({ Bucket: store.bucket, Key: 'jobs/secret/source.wav' }), { expiresIn: 60 });
    expect(await s3Error(await fetch(url))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    intruder.destroy();

    const genuine = new URL((await store.presignGet('jobs/secret/source.wav', { expiresInSeconds: 60 })).url);
    genuine.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect(await s3Error(await fetch(genuine))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const otherKey = new URL((await store.presignGet('jobs/secret/source.wav', { expiresInSeconds: 60 })).url);
    otherKey.pathname = otherKey.pathname.replace('source.wav', 'other.wav');
    expect(await s3Error(await fetch(otherKey))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('serves presigned GETs and PUTs, and uploads in parts', async () => {
    const { store } = app.server.services;
    const get = await store.presignGet('jobs/secret/source.wav', { expiresInSeconds: 60, downloadName: 'my talk.wav' });
    const download = await fetch(get.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('tenant data');
    expect(download.headers.get('content-disposition')).toMatch(/my talk\.wav/);

    const put = await store.presignPut('jobs/secret/put.wav', { contentType: 'audio/wav', contentLength: 5, expiresInSeconds: 60 });
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'hello' })).status).toBe(200);
    expect(await store.getText('jobs/secret/put.wav')).toBe('hello');

    const uploadId = await store.createMultipartUpload('jobs/secret/parts.wav', 'audio/wav');
    const etags = [];
    for (const [index, part] of [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('end')].entries()) {
      const response = await fetch(await store.presignUploadPart('jobs/secret/parts.wav', uploadId, index + 1, 60), { method: 'PUT', body: part });
      expect(response.status).toBe(200);
      etags.push({ partNumber: index + 1, etag: response.headers.get('etag')! });
    }
    await store.completeMultipartUpload('jobs/secret/parts.wav', uploadId, etags);
    expect((await store.head('jobs/secret/parts.wav'))?.sizeBytes).toBe(5 * 1024 * 1024 + 3);
  });

  it('refuses an expired presigned URL (AccessDenied, "Request has expired")', async () => {
    const { store } = app.server.services;
    const url = await getSignedUrl(store.client, new GetObjectCommand({ Bucket: store.bucket, Key: 'jobs/secret/source.wav' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3_600_000),
    });
    expect(await s3Error(await fetch(url))).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
  });

  it('refuses a PUT whose Content-Type or Content-Length differs from the signed one', async () => {
    const { store } = app.server.services;
    const put = await store.presignPut('jobs/secret/typed.wav', { contentType: 'audio/wav', contentLength: 5, expiresInSeconds: 60 });
    const wrongType = await fetch(put.url, { method: 'PUT', headers: { ...put.headers, 'Content-Type': 'text/html' }, body: 'hello' });
    expect(await s3Error(wrongType)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const wrongLength = await fetch(put.url, { method: 'PUT', headers: { 'Content-Type': 'audio/wav' }, body: 'hello!' });
    expect(await s3Error(wrongLength)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await store.head('jobs/secret/typed.wav')).toBeNull();
  });

  it('answers CORS preflights unsigned, as S3 does, so browsers can upload from the page', async () => {
    const preflight = await fetch(`${endpoint}/ffly/jobs/secret/browser.wav`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:4000', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(/\*|http:\/\/127\.0\.0\.1:4000/);
  });

  it('checks header-signed requests too: the API itself gets through', async () => {
    const { store } = app.server.services;
    const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'jobs/secret/' }));
    expect(listed.Contents?.map((item) => item.Key)).toContain('jobs/secret/source.wav');
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'jobs/secret/sdk.txt', Body: 'sdk', ContentType: 'text/plain' }));
    expect(await store.getText('jobs/secret/sdk.txt')).toBe('sdk');
  });
});
