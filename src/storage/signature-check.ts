import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * AWS Signature Version 4 verification as S3 does it, for the embedded store (s3rver checks no V4
 * signature): a request signed in its Authorization header or presigned in its query is recomputed
 * with the AWS SDK's own signer and compared. The payload is taken as its declared hash
 * (`x-amz-content-sha256`, or UNSIGNED-PAYLOAD for presigned URLs) and not hashed again.
 */

export interface StoreCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The path as sent, still percent-encoded, with its query string. */
  url: string;
  headers: IncomingHttpHeaders;
}

/** S3's answer to a refused request: every one is a 403 with an error code and message. */
export interface SignatureRefusal {
  code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'AuthorizationQueryParametersError' | 'RequestTimeTooSkewed';
  message: string;
}

/** S3 refuses a header-signed request whose date is further than this from its clock. */
const MAX_SKEW_MS = 15 * 60_000;
const MAX_EXPIRES_S = 7 * 86_400;
const AUTH_QUERY = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
const HEADER_AUTH = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Null when the request is signed with `credentials` and still valid; otherwise why S3 would refuse it. */
export async function checkSignature(request: SignedRequest, credentials: StoreCredentials, now = Date.now()): Promise<SignatureRefusal | null> {
  const url = new URL(request.url, 'http://store');
  const query = url.searchParams;
  const authorization = request.headers.authorization;
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Algorithm')) {
    if (authorization !== undefined) return { code: 'AccessDenied', message: 'Only one auth mechanism allowed' };
    return checkPresigned(request, url, credentials, now);
  }
  if (authorization === undefined) return { code: 'AccessDenied', message: 'Access Denied' };
  const match = HEADER_AUTH.exec(authorization.trim());
  if (!match) return { code: 'AccessDenied', message: 'Unsupported or malformed Authorization header' };
  const [, credential, signedHeaders, signature] = match as unknown as [string, string, string, string];
  const amzDate = header(request.headers, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : null;
  if (!signingDate) return { code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header' };
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) {
    return { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.' };
  }
  if (!header(request.headers, 'x-amz-content-sha256')) return { code: 'AccessDenied', message: 'Missing required header for this request: x-amz-content-sha256' };
  const scope = parseCredential(credential, credentials);
  if ('code' in scope) return scope;
  const names = signedHeaders.split(';');
  const signer = createSigner(credentials, scope.region);
  const signed = await signer.sign(
    { ...baseRequest(request, url, query), headers: pickHeaders(request.headers, names) },
    { signingDate, signingRegion: scope.region, signableHeaders: new Set(names) },
  );
  const expected = HEADER_AUTH.exec(String(signed.headers.authorization));
  return expected && expected[2] === signedHeaders && sameHex(expected[3]!, signature) ? null : signatureMismatch();
}

async function checkPresigned(request: SignedRequest, url: URL, credentials: StoreCredentials, now: number): Promise<SignatureRefusal | null> {
  const query = url.searchParams;
  if (AUTH_QUERY.some((name) => !query.has(name)) || query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    return { code: 'AuthorizationQueryParametersError', message: `Query-string authentication version 4 requires the ${AUTH_QUERY.join(', ')} parameters` };
  }
  const signingDate = parseAmzDate(query.get('X-Amz-Date')!);
  const expiresIn = Number(query.get('X-Amz-Expires'));
  if (!signingDate || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_S) {
    return { code: 'AuthorizationQueryParametersError', message: 'X-Amz-Date must be a valid date and X-Amz-Expires from 1 to 604800 seconds' };
  }
  if (now > signingDate.getTime() + expiresIn * 1000) return { code: 'AccessDenied', message: 'Request has expired' };
  if (now < signingDate.getTime() - MAX_SKEW_MS) return { code: 'AccessDenied', message: 'Request is not valid yet' };
  const scope = parseCredential(query.get('X-Amz-Credential')!, credentials);
  if ('code' in scope) return scope;

  const names = query.get('X-Amz-SignedHeaders')!.split(';');
  const rest = new URLSearchParams(query);
  for (const name of [...AUTH_QUERY, 'X-Amz-Content-Sha256']) rest.delete(name);
  const headers = pickHeaders(request.headers, names);
  // The payload hash travels in the query (hoisted by the presigner), or is UNSIGNED-PAYLOAD by default.
  const payloadHash = query.get('X-Amz-Content-Sha256');
  // Named as the SDK names it: a hoisted header keeps its case as a query parameter.
  headers['X-Amz-Content-Sha256'] = payloadHash ?? 'UNSIGNED-PAYLOAD';
  const signer = createSigner(credentials, scope.region);
  const presigned = await signer.presign(
    { ...baseRequest(request, url, rest), headers },
    {
      signingDate,
      expiresIn,
      signingRegion: scope.region,
      signableHeaders: new Set(names),
      // Signed headers came as headers and stay headers; only the payload hash may go to the query.
      unhoistableHeaders: new Set(payloadHash === null ? [...names, 'x-amz-content-sha256'] : names),
      ...(payloadHash === null ? { unsignableHeaders: new Set(['x-amz-content-sha256']) } : {}),
    },
  );
  const signature = String(presigned.query?.['X-Amz-Signature']);
  return presigned.query?.['X-Amz-SignedHeaders'] === query.get('X-Amz-SignedHeaders') && sameHex(signature, query.get('X-Amz-Signature')!)
    ? null
    : signatureMismatch();
}

function baseRequest(request: SignedRequest, url: URL, query: URLSearchParams) {
  const values: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    values[key] = all.length === 1 ? all[0]! : all;
  }
  // The path exactly as sent: S3 signs it without escaping it again (the SDK's uriEscapePath: false).
  const path = request.url.split('?')[0]!;
  return { method: request.method, protocol: 'http:', hostname: url.hostname, path, query: values };
}

function pickHeaders(headers: IncomingHttpHeaders, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) picked[name] = header(headers, name) ?? '';
  return picked;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseCredential(credential: string, credentials: StoreCredentials): { region: string } | SignatureRefusal {
  const [accessKeyId, , region, service, terminator] = credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) {
    return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (!region || service !== 's3' || terminator !== 'aws4_request') return { code: 'AccessDenied', message: 'Malformed credential scope' };
  return { region };
}

function createSigner(credentials: StoreCredentials, region: string): SignatureV4 {
  return new SignatureV4({ credentials, region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
}

function parseAmzDate(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function signatureMismatch(): SignatureRefusal {
  return {
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  };
}

/** The SHA-256 (and HMAC-SHA-256, with a secret) the signer wants, from node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
