import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Where and how to upload, exactly as `createJob` returned it in `source.upload`. */
export interface UploadRequest {
  url: string;
  method: string;
  headers: ReadonlyArray<{ name: string; value: string }>;
}

export interface UploadOptions {
  /** Called as bytes leave for the store (at most once per chunk read from disk). */
  onProgress?: (sentBytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Streams a file to a presigned upload URL with exactly the headers the API handed out (they are
 * part of the signature, Content-Length included), never holding the whole file in memory.
 */
export async function uploadFile(file: string, upload: UploadRequest, options: UploadOptions = {}): Promise<void> {
  const url = new URL(upload.url);
  const transport = url.protocol === 'https:' ? https : http;
  const headers = Object.fromEntries(upload.headers.map((header) => [header.name, header.value]));

  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      options.onProgress?.(sent);
      callback(null, chunk);
    },
  });

  const request = transport.request(url, { method: upload.method, headers, signal: options.signal });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  // The store may answer early (e.g. 403 on an expired URL) and close: keep its answer, not the EPIPE.
  const sending = pipeline(createReadStream(file), counter, request).catch((error: unknown) => error);
  const answer = await response;
  const body = await readText(answer);
  const sendError = await sending;
  const status = answer.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    // The store's XML error names the problem (SignatureDoesNotMatch, RequestTimeTooSkewed, ...); the URL is not shown.
    const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
    throw new Error(`The upload was refused: HTTP ${status}${code ? ` ${code}` : ''}`);
  }
  if (sendError instanceof Error) throw new Error(`The upload failed: ${sendError.message}`);
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    if (text.length < 4096) text += chunk.toString();
  }
  return text;
}
