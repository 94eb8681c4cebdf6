import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createEmbeddedMultipart, type PartStoredEvent } from './embedded-multipart.js';
import { sendS3Error } from './s3-responses.js';
import { checkSignature, type StoreCredentials } from './signature-check.js';

export interface SigningFrontOptions {
  credentials: StoreCredentials;
  backend: { host: string; port: number };
  /** The bucket, and where multipart uploads in progress live (answered here: see embedded-multipart.ts). */
  multipart: { bucket: string; directory: string; onPartStored?: (event: PartStoredEvent) => void };
}

/**
 * The embedded store's front door: every request must carry a valid AWS SigV4 signature (in its
 * Authorization header or presigned query), as S3 demands, before it is passed to s3rver behind it,
 * or, for multipart uploads (presigned part PUTs included), answered by the front's own multipart layer.
 * CORS preflights (OPTIONS) carry no signature in S3 either and go straight through. Refusals are
 * S3's 403s with its XML error body.
 */
export function createSigningFront(options: SigningFrontOptions): Server {
  const { credentials, backend } = options;
  const multipart = createEmbeddedMultipart({ ...options.multipart, backend });
  return createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'OPTIONS') {
      const refusal = await checkSignature({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers }, credentials);
      // The body of a refused upload is not read; the connection goes with it.
      if (refusal) return sendS3Error(request, response, refusal.code, refusal.message, true);
      if (multipart.handles(request)) return multipart.handle(request, response);
    }
    const headers = { ...request.headers };
    // This front already answered (or Node did) any `Expect: 100-continue`; the body simply follows.
    delete headers.expect;
    const upstream = httpRequest({ host: backend.host, port: backend.port, method: request.method, path: request.url, headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  }
}
