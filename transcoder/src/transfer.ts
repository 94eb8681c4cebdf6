import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Streams a URL to a file (never whole in memory), reporting bytes as they arrive. */
export async function downloadToFile(url: string, file: string, options: { signal?: AbortSignal; onBytes?: (bytes: number) => void; expectedBytes?: number }): Promise<number> {
  const response = await fetch(url, { signal: options.signal });
  if (!response.ok || !response.body) throw new Error(`source download failed: HTTP ${response.status}`);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      options.onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), counter, createWriteStream(file), { signal: options.signal });
  if (options.expectedBytes !== undefined && bytes !== options.expectedBytes) {
    throw new Error(`source download was ${bytes} bytes, expected ${options.expectedBytes}`);
  }
  return bytes;
}

/** PUTs a file with exactly the given headers, streamed. */
export async function putFile(url: string, file: string, headers: Record<string, string>, signal?: AbortSignal): Promise<void> {
  const { size } = await stat(file);
  const response = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'Content-Length': String(size) },
    body: Readable.toWeb(createReadStream(file)) as unknown as BodyInit,
    // Node's fetch needs this to send a streamed body.
    duplex: 'half',
    signal,
  } as RequestInit);
  if (!response.ok) throw new Error(`upload failed: HTTP ${response.status}`);
}

/** PUTs one part of a multipart upload; returns its ETag. */
export async function putPart(url: string, file: string, start: number, end: number, signal?: AbortSignal): Promise<string> {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'Content-Length': String(end - start) },
    body: Readable.toWeb(createReadStream(file, { start, end: end - 1 })) as unknown as BodyInit,
    duplex: 'half',
    signal,
  } as RequestInit);
  const etag = response.headers.get('etag');
  if (!response.ok || !etag) throw new Error(`part upload failed: HTTP ${response.status}`);
  return etag;
}
