import { createHash, createHmac } from 'node:crypto';
import { isIP } from 'node:net';

/** S3's limit on a SigV4 presigned URL's lifetime: one week. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

/** What a presigned URL is made from: the store's address and the credentials that sign for it. */
export interface PresignerSettings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface PresignInput {
  method: 'PUT' | 'GET';
  key: string;
  expiresInSeconds: number;
  /** Signed headers besides `host`, names in lowercase (the client must send exactly these). */
  headers?: Record<string, string>;
  /** Further query parameters (e.g. `response-content-disposition`), signed with the rest. */
  query?: Record<string, string>;
  /** The SDK's operation name, which it adds as `x-id` (kept, so the URLs are the SDK's byte for byte). */
  operation: string;
  /** The signing time (ms since the epoch). */
  now: number;
}

/**
 * AWS Signature V4 query presigning for S3 objects, without the SDK's middleware stack (endpoint
 * rules, serializers, a new signer per URL): the SDK spent about 2 ms of CPU per URL; this takes a
 * few HMACs. The URL is the one `getSignedUrl` makes for the same input and time, byte for byte
 * (test/storage/sigv4-presign.test.ts compares them). The signing key depends only on the day (UTC),
 * region and service, so it is derived once per day, never reused for another date.
 *
 * Returns null when the store's addressing is one this does not reproduce with certainty (a
 * virtual-hosted bucket with dots or on an IP address, an endpoint with a path): the caller then
 * presigns with the SDK.
 */
export function createSigV4Presigner(settings: PresignerSettings): ((input: PresignInput) => string) | null {
  const endpoint = new URL(settings.endpoint);
  if (endpoint.pathname !== '/' || endpoint.search !== '' || endpoint.username !== '' || endpoint.password !== '') return null;
  let origin: string;
  let host: string;
  let pathPrefix: string;
  if (settings.forcePathStyle) {
    origin = endpoint.origin;
    host = endpoint.host;
    pathPrefix = `/${uriEscape(settings.bucket)}/`;
  } else {
    if (settings.bucket.includes('.') || isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0) return null;
    host = `${settings.bucket}.${endpoint.host}`;
    origin = `${endpoint.protocol}//${host}`;
    pathPrefix = '/';
  }
  const service = 's3';
  const credentialPrefix = `${settings.accessKeyId}/`;
  const signingKeys = new SigningKeyCache(settings.secretAccessKey, settings.region, service);

  return (input) => {
    if (input.expiresInSeconds > MAX_EXPIRES_SECONDS) {
      // The SDK's refusal, kept: S3 rejects a SigV4 presigned URL valid for longer.
      throw new Error('Signature version 4 presigned URLs must have an expiration date less than one week in the future');
    }
    const { amzDate, day } = signingTime(input.now);
    const scope = `${day}/${settings.region}/${service}/aws4_request`;
    const headers: Array<[string, string]> = Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), canonicalHeaderValue(value)]);
    headers.push(['host', host]);
    headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const signedHeaders = headers.map(([name]) => name).join(';');
    const query: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', credentialPrefix + scope],
      ['X-Amz-Date', amzDate],
      ['X-Amz-Expires', String(input.expiresInSeconds)],
      ['X-Amz-SignedHeaders', signedHeaders],
      ...Object.entries(input.query ?? {}),
      ['x-id', input.operation],
    ];
    const encoded = query.map(([name, value]) => `${uriEscape(name)}=${uriEscape(value)}`);
    const canonicalQuery = sortParameters(encoded).join('&');
    const path = pathPrefix + uriEscapePath(input.key);
    const canonicalRequest = [
      input.method,
      path,
      canonicalQuery,
      headers.map(([name, value]) => `${name}:${value}\n`).join(''),
      signedHeaders,
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', signingKeys.forDay(day)).update(stringToSign).digest('hex');
    // The URL carries the parameters in sorted order, the signature among them (as the SDK's does).
    const withSignature = sortParameters([...encoded, `X-Amz-Signature=${signature}`]).join('&');
    return `${origin}${path}?${withSignature}`;
  };
}

/**
 * The SigV4 signing key, HMAC("AWS4" + secret, day, region, service, "aws4_request"): the same for
 * every request of a UTC day. Keyed by the day it was derived for, so a URL signed after midnight
 * UTC gets the new day's key (a key of another day makes a signature the store refuses).
 */
export class SigningKeyCache {
  private day: string | null = null;
  private key: Buffer | null = null;

  constructor(
    private readonly secretAccessKey: string,
    private readonly region: string,
    private readonly service: string,
  ) {}

  forDay(day: string): Buffer {
    if (this.day !== day || this.key === null) {
      const dateKey = createHmac('sha256', `AWS4${this.secretAccessKey}`).update(day).digest();
      const regionKey = createHmac('sha256', dateKey).update(this.region).digest();
      const serviceKey = createHmac('sha256', regionKey).update(this.service).digest();
      this.key = createHmac('sha256', serviceKey).update('aws4_request').digest();
      this.day = day;
    }
    return this.key;
  }
}

/** `name=value` pairs (already escaped) in byte order of their names, as SigV4 canonicalises them. */
function sortParameters(pairs: string[]): string[] {
  return pairs
    .map((pair) => ({ pair, name: pair.slice(0, pair.indexOf('=')) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ pair }) => pair);
}

/** "20261129T235959Z" and "20261129", in UTC. */
function signingTime(now: number): { amzDate: string; day: string } {
  const iso = new Date(now).toISOString(); // 2026-11-29T23:59:59.123Z
  const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return { amzDate: `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, day };
}

/** A header value as SigV4 canonicalises it: trimmed, runs of spaces made one. */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 3986 percent-encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEscape(value: string): string {
  // Most names and values need no escaping at all: skip the two passes over them.
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object key in the path: every segment escaped, the slashes kept (S3 paths are not double-encoded). */
function uriEscapePath(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}
