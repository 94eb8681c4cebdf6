import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkSignature, type SignatureRefusal, type StoreCredentials } from './signature-check.js';
import { serveEmbeddedMultipart, type EmbeddedMultipartOptions } from './embedded-multipart.js';

/**
 * The embedded store's front door: every request must carry a valid AWS SigV4 signature (in its
 * Authorization header or presigned query), as S3 demands, before it is passed to s3rver behind it.
 * CORS preflights (OPTIONS) carry no signature in S3 either and go straight through. Refusals are
 * S3's 403s with its XML error body.
 */
export function createSigningFront(options: {
  credentials: StoreCredentials;
  backend: { host: string; port: number };
  /** Where s3rver keeps its files: this front then answers the multipart listing and abort s3rver lacks. */
  multipart?: EmbeddedMultipartOptions;
}): Server {
  const { credentials, backend } = options;
  return createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'OPTIONS') {
      const refusal = await checkSignature({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers }, credentials);
      if (refusal) return refuse(request, response, refusal);
      if (options.multipart && (await serveEmbeddedMultipart(request, response, options.multipart))) return;
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

function refuse(request: IncomingMessage, response: ServerResponse, refusal: SignatureRefusal): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body =
    request.method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  response.writeHead(403, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    // The bucket's CORS rule allows any origin: a browser sees the refusal, not an opaque network error.
    ...(request.headers.origin ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag' } : {}),
    // The body of a refused upload is not read; the connection goes with it.
    connection: 'close',
  });
  response.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
