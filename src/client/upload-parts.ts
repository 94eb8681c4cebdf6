import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiClient } from './api-client.js';
import { JobRequestError } from './errors.js';
import { UploadPartUrlsDocument, type MultipartUploadFieldsFragment, type UploadPartUrlsMutation } from './generated/graphql.js';

type PartUrl = Extract<UploadPartUrlsMutation['uploadPartUrls'], { __typename: 'UploadPartUrls' }>['parts'][number];

export interface PartUploadOptions {
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** Called with the bytes the store holds or is receiving, parts already uploaded included. */
  onProgress?: (bytes: number) => void;
  /** Called once a part is stored (its number). */
  onPartStored?: (partNumber: number) => void;
  /** Stops sending: parts in flight are dropped (the store keeps none of them), the call rejects. */
  signal?: AbortSignal;
}

/** Parts whose URLs are asked for in one call: a few rounds ahead of the senders, so URLs stay fresh. */
const URL_BATCH = 16;
/** A URL this close to its expiry is asked for again rather than used. */
const URL_MARGIN_MS = 60_000;
const ATTEMPTS_PER_PART = 3;

/** Part numbers of the plan that the store does not hold yet. */
export function missingParts(upload: MultipartUploadFieldsFragment): number[] {
  const held = new Set(upload.uploadedParts.map((part) => part.number));
  return Array.from({ length: upload.partCount }, (_, index) => index + 1).filter((number) => !held.has(number));
}

/**
 * Sends the parts of `file` that the store does not hold yet (per `upload.uploadedParts`, which the
 * API reads from the store), `concurrency` at a time, each streamed from its range of the file to a
 * presigned PUT bound to its length. A part that fails is retried; the rest go on.
 */
export async function uploadMissingParts(
  client: ApiClient,
  jobId: string,
  file: string,
  sizeBytes: number,
  upload: MultipartUploadFieldsFragment,
  options: PartUploadOptions = {},
): Promise<{ sentParts: number[] }> {
  const pending = missingParts(upload);
  const partSize = upload.partSizeBytes;
  const lengthOf = (number: number) => (number < upload.partCount ? partSize : sizeBytes - (upload.partCount - 1) * partSize);
  let doneBytes = upload.uploadedParts.reduce((sum, part) => sum + part.sizeBytes, 0);
  const inFlight = new Map<number, number>();
  const report = () => options.onProgress?.(doneBytes + [...inFlight.values()].reduce((sum, bytes) => sum + bytes, 0));
  report();

  const urls = new Map<number, PartUrl>();
  let fetching: Promise<void> | null = null;
  async function urlFor(number: number): Promise<PartUrl> {
    for (;;) {
      const cached = urls.get(number);
      if (cached && Date.parse(cached.expiresAt) - Date.now() > URL_MARGIN_MS) return cached;
      if (!fetching) {
        const wanted = [number, ...queue.filter((other) => other !== number)].slice(0, URL_BATCH);
        fetching = fetchUrls(wanted).finally(() => (fetching = null));
      }
      await fetching;
      if (!urls.has(number)) fetching = fetchUrls([number]).finally(() => (fetching = null));
    }
  }
  async function fetchUrls(numbers: number[]): Promise<void> {
    const { uploadPartUrls: result } = await client.request(UploadPartUrlsDocument, { id: jobId, partNumbers: numbers });
    if (result.__typename !== 'UploadPartUrls') throw new JobRequestError(result.__typename, result.message);
    for (const part of result.parts) urls.set(part.number, part);
  }

  const queue = [...pending];
  const sentParts: number[] = [];
  async function sender(): Promise<void> {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        options.signal?.throwIfAborted();
        try {
          await putPart(file, (number - 1) * partSize, lengthOf(number), await urlFor(number), options.signal, (bytes) => {
            inFlight.set(number!, bytes);
            report();
          });
          break;
        } catch (error) {
          inFlight.delete(number);
          urls.delete(number);
          if (attempt >= ATTEMPTS_PER_PART || error instanceof JobRequestError || options.signal?.aborted) throw error;
        }
      }
      inFlight.delete(number);
      doneBytes += lengthOf(number);
      sentParts.push(number);
      report();
      options.onPartStored?.(number);
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, Math.max(pending.length, 1)) }, () => sender()));
  return { sentParts };
}

/** Streams `length` bytes of `file` from `start` to one part's presigned PUT, with exactly its headers. */
async function putPart(file: string, start: number, length: number, part: PartUrl, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<void> {
  const url = new URL(part.url);
  const transport = url.protocol === 'https:' ? https : http;
  const headers = Object.fromEntries(part.headers.map((header) => [header.name, header.value]));
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      onBytes(sent);
      callback(null, chunk);
    },
  });
  const request = transport.request(url, { method: part.method, headers, signal });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const sending = pipeline(createReadStream(file, { start, end: start + length - 1 }), counter, request).catch((error: unknown) => error);
  const answer = await response;
  let body = '';
  for await (const chunk of answer) if (body.length < 4096) body += String(chunk);
  const sendError = await sending;
  const status = answer.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
    throw new Error(`Part ${part.number} was refused: HTTP ${status}${code ? ` ${code}` : ''}`);
  }
  if (sendError instanceof Error) throw new Error(`Part ${part.number} failed: ${sendError.message}`);
}
