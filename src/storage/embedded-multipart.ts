import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPartStore, type PartRecord, type UploadRecord } from './embedded-parts.js';
import { corsHeaders, element, sendS3Error, sendXml, unescapeXml } from './s3-responses.js';

/** S3's limits on multipart uploads, enforced by the embedded store as S3 enforces them. */
export const MULTIPART_LIMITS = {
  /** Every part but the last must be at least this big (checked when the upload is completed). */
  minPartBytes: 5 * 1024 ** 2,
  maxPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
  /** ListParts and ListMultipartUploads answer at most this many per page. */
  maxPage: 1000,
} as const;

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export interface EmbeddedMultipartOptions {
  /** Where uploads in progress live (not inside s3rver's directory, whose folders are buckets). */
  directory: string;
  bucket: string;
  /** s3rver, which receives the completed object as one PUT. */
  backend: { host: string; port: number };
  /** Told of every part stored (what operators and tests can count: e.g. the parts a resumed upload sent). */
  onPartStored?: (event: PartStoredEvent) => void;
}

export interface PartStoredEvent {
  key: string;
  uploadId: string;
  partNumber: number;
  sizeBytes: number;
}

/**
 * S3's multipart API for the embedded store (CreateMultipartUpload, UploadPart, ListParts,
 * CompleteMultipartUpload, AbortMultipartUpload, ListMultipartUploads) with S3's checks: unknown
 * upload ids, part numbers 1 to 10,000, parts up to 5 GiB, every part but the last at least 5 MiB,
 * ETags and ascending order at completion. s3rver has no ListParts, no abort and completes whatever it
 * is given, so the signing front answers these requests itself (after checking their signature).
 */
export function createEmbeddedMultipart(options: EmbeddedMultipartOptions) {
  const parts = createPartStore(options.directory);

  /** True when the request is a multipart operation this layer answers. */
  function handles(request: IncomingMessage): boolean {
    const { query, key } = parse(request);
    if (query.has('uploadId')) return key !== '' && ['PUT', 'GET', 'POST', 'DELETE'].includes(request.method ?? '');
    if (query.has('uploads')) return (key !== '' && request.method === 'POST') || (key === '' && request.method === 'GET');
    return false;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { bucket, key, query } = parse(request);
    if (bucket !== options.bucket) return sendS3Error(request, response, 'NoSuchBucket', 'The specified bucket does not exist', true);
    if (key === '') return listUploads(request, response, query);
    if (query.has('uploads')) return create(request, response, key);
    const upload = await parts.get(query.get('uploadId') ?? '');
    if (!upload || upload.key !== key) {
      return sendS3Error(
        request,
        response,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        request.method === 'PUT' || request.method === 'POST',
      );
    }
    if (request.method === 'PUT') return uploadPart(request, response, upload, query);
    if (request.method === 'GET') return listParts(request, response, upload, query);
    if (request.method === 'DELETE') {
      await parts.remove(upload.uploadId);
      response.writeHead(204, corsHeaders(request)).end();
      return;
    }
    return complete(request, response, upload);
  }

  async function create(request: IncomingMessage, response: ServerResponse, key: string): Promise<void> {
    request.resume();
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && (name === 'content-type' || name.startsWith('x-amz-meta-'))) kept[name] = value;
    }
    const upload = await parts.create(options.bucket, key, kept);
    sendXml(request, response, `<InitiateMultipartUploadResult ${NS}>${element('Bucket', upload.bucket)}${element('Key', key)}${element('UploadId', upload.uploadId)}</InitiateMultipartUploadResult>`);
  }

  async function uploadPart(request: IncomingMessage, response: ServerResponse, upload: UploadRecord, query: URLSearchParams): Promise<void> {
    const partNumber = Number(query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MULTIPART_LIMITS.maxParts) {
      return sendS3Error(request, response, 'InvalidArgument', `Part number must be an integer between 1 and ${MULTIPART_LIMITS.maxParts}, inclusive`, true);
    }
    const declared = request.headers['content-length'];
    if (declared === undefined) return sendS3Error(request, response, 'MissingContentLength', 'You must provide the Content-Length HTTP header.', true);
    if (Number(declared) > MULTIPART_LIMITS.maxPartBytes) {
      return sendS3Error(request, response, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', true);
    }
    let part: PartRecord;
    try {
      part = await parts.putPart(upload.uploadId, partNumber, request);
    } catch {
      // The client went away mid-part: nothing is kept, as S3 keeps nothing of an unfinished part.
      if (!response.headersSent && !response.destroyed) sendS3Error(request, response, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.', true);
      return;
    }
    response.writeHead(200, { etag: `"${part.etag}"`, 'content-length': 0, ...corsHeaders(request) }).end();
    options.onPartStored?.({ key: upload.key, uploadId: upload.uploadId, partNumber, sizeBytes: part.sizeBytes });
  }

  async function listParts(request: IncomingMessage, response: ServerResponse, upload: UploadRecord, query: URLSearchParams): Promise<void> {
    const marker = Number(query.get('part-number-marker') ?? 0) || 0;
    const maxParts = Math.min(Number(query.get('max-parts') ?? MULTIPART_LIMITS.maxPage) || MULTIPART_LIMITS.maxPage, MULTIPART_LIMITS.maxPage);
    const after = (await parts.parts(upload.uploadId)).filter((part) => part.partNumber > marker);
    const page = after.slice(0, maxParts);
    const truncated = after.length > page.length;
    const xml = [
      `<ListPartsResult ${NS}>`,
      element('Bucket', upload.bucket),
      element('Key', upload.key),
      element('UploadId', upload.uploadId),
      element('PartNumberMarker', marker),
      element('NextPartNumberMarker', page.at(-1)?.partNumber ?? marker),
      element('MaxParts', maxParts),
      element('IsTruncated', truncated),
      ...page.map(
        (part) =>
          `<Part>${element('PartNumber', part.partNumber)}${element('LastModified', part.lastModified)}${element('ETag', `"${part.etag}"`)}${element('Size', part.sizeBytes)}</Part>`,
      ),
      '</ListPartsResult>',
    ].join('');
    sendXml(request, response, xml);
  }

  async function listUploads(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): Promise<void> {
    const prefix = query.get('prefix') ?? '';
    const keyMarker = query.get('key-marker') ?? '';
    const idMarker = query.get('upload-id-marker') ?? '';
    const maxUploads = Math.min(Number(query.get('max-uploads') ?? MULTIPART_LIMITS.maxPage) || MULTIPART_LIMITS.maxPage, MULTIPART_LIMITS.maxPage);
    const all = (await parts.list())
      .filter((upload) => upload.key.startsWith(prefix))
      .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1))
      .filter((upload) => keyMarker === '' || upload.key > keyMarker || (upload.key === keyMarker && idMarker !== '' && upload.uploadId > idMarker));
    const page = all.slice(0, maxUploads);
    const truncated = all.length > page.length;
    const xml = [
      `<ListMultipartUploadsResult ${NS}>`,
      element('Bucket', options.bucket),
      element('KeyMarker', keyMarker),
      element('UploadIdMarker', idMarker),
      element('NextKeyMarker', truncated ? page.at(-1)!.key : ''),
      element('NextUploadIdMarker', truncated ? page.at(-1)!.uploadId : ''),
      element('Prefix', prefix),
      element('MaxUploads', maxUploads),
      element('IsTruncated', truncated),
      ...page.map((upload) => `<Upload>${element('Key', upload.key)}${element('UploadId', upload.uploadId)}${element('Initiated', upload.initiated)}</Upload>`),
      '</ListMultipartUploadsResult>',
    ].join('');
    sendXml(request, response, xml);
  }

  async function complete(request: IncomingMessage, response: ServerResponse, upload: UploadRecord): Promise<void> {
    const body = await readBody(request, 1024 * 1024);
    const listed = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((match) => ({
      partNumber: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(match[1]!)?.[1]),
      etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(match[1]!)?.[1] ?? '').replace(/"/g, '').trim(),
    }));
    if (listed.length === 0 || listed.some((part) => !Number.isInteger(part.partNumber))) {
      return sendS3Error(request, response, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    for (let index = 1; index < listed.length; index++) {
      if (listed[index]!.partNumber <= listed[index - 1]!.partNumber) {
        return sendS3Error(request, response, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
      }
    }
    const held = new Map((await parts.parts(upload.uploadId)).map((part) => [part.partNumber, part]));
    const chosen: PartRecord[] = [];
    for (const wanted of listed) {
      const part = held.get(wanted.partNumber);
      if (!part || part.etag !== wanted.etag) {
        return sendS3Error(
          request,
          response,
          'InvalidPart',
          `One or more of the specified parts could not be found (part ${wanted.partNumber}). The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.`,
        );
      }
      chosen.push(part);
    }
    const small = chosen.slice(0, -1).find((part) => part.sizeBytes < MULTIPART_LIMITS.minPartBytes);
    if (small) {
      return sendS3Error(request, response, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size (part ${small.partNumber} is ${small.sizeBytes} bytes)`);
    }
    const total = chosen.reduce((sum, part) => sum + part.sizeBytes, 0);
    await storeObject(request.url!.split('?')[0]!, upload.headers, total, parts.concat(upload.uploadId, chosen));
    await parts.remove(upload.uploadId);
    // S3's ETag of a multipart object: the MD5 of the parts' MD5s, then "-<count>".
    const digest = createHash('md5');
    for (const part of chosen) digest.update(Buffer.from(part.etag, 'hex'));
    const etag = `"${digest.digest('hex')}-${chosen.length}"`;
    sendXml(
      request,
      response,
      `<CompleteMultipartUploadResult ${NS}>${element('Bucket', upload.bucket)}${element('Key', upload.key)}${element('ETag', etag)}</CompleteMultipartUploadResult>`,
    );
  }

  /** One PUT of the assembled object to s3rver behind the front (loopback, unsigned: s3rver checks none). */
  function storeObject(path: string, headers: Record<string, string>, length: number, body: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: options.backend.host, port: options.backend.port, method: 'PUT', path, headers: { ...headers, 'content-length': String(length) } },
        (reply) => {
          reply.resume();
          reply.on('end', () => (reply.statusCode === 200 ? resolve() : reject(new Error(`The store answered ${reply.statusCode} to the assembled object`))));
        },
      );
      upstream.on('error', reject);
      body.on('error', (error) => upstream.destroy(error as Error));
      body.pipe(upstream);
    });
  }

  return { handles, handle };
}

function parse(request: IncomingMessage): { bucket: string; key: string; query: URLSearchParams } {
  const url = new URL(request.url ?? '/', 'http://store');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')), query: url.searchParams };
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > limit) throw new Error('The request body is too large');
  }
  return text;
}
