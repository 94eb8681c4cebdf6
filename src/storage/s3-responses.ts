import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** S3's error codes the embedded store answers with, and their HTTP status (every signature refusal is a 403). */
export const S3_ERROR_STATUS = {
  AccessDenied: 403,
  SignatureDoesNotMatch: 403,
  InvalidAccessKeyId: 403,
  AuthorizationQueryParametersError: 403,
  RequestTimeTooSkewed: 403,
  NoSuchBucket: 404,
  NoSuchUpload: 404,
  InvalidArgument: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  EntityTooLarge: 400,
  MalformedXML: 400,
  MissingContentLength: 411,
  IncompleteBody: 400,
} as const;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

/**
 * The bucket's CORS rule allows any origin: a browser sees the store's answer (and the ETag), not an
 * opaque network error. Only for answers the embedded store writes itself; s3rver adds its own.
 */
export function corsHeaders(request: IncomingMessage): Record<string, string> {
  return request.headers.origin ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag' } : {};
}

/** S3's XML error answer; the body of a refused request is not read, so the connection goes with it. */
export function sendS3Error(request: IncomingMessage, response: ServerResponse, code: S3ErrorCode, message: string, closeConnection = false): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body =
    request.method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  response.writeHead(S3_ERROR_STATUS[code], {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    ...corsHeaders(request),
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  response.end(body);
}

/** A 200 with an S3 XML document. */
export function sendXml(request: IncomingMessage, response: ServerResponse, xml: string, headers: Record<string, string> = {}): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...corsHeaders(request), ...headers });
  response.end(body);
}

/** `<Name>value</Name>` with the value escaped. */
export function element(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');
}
