import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { StoreCredentials } from './signature-check.js';
import type { PartStoredEvent } from './embedded-multipart.js';
import { createSigningFront } from './signing-front.js';

export interface EmbeddedS3 {
  endpoint: string;
  /** `partStored` for every part of a multipart upload the store keeps. */
  events: EventEmitter<{ partStored: [PartStoredEvent] }>;
  stop(): Promise<void>;
}

/**
 * Browsers upload straight to the store with the presigned PUT, so CORS is open for them: what
 * protects the store is the signature, which no other site has.
 */
const CORS_CONFIGURATION = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** The access key id s3rver knows; the secret is the caller's, checked by the signing front. */
export const EMBEDDED_ACCESS_KEY_ID = 'S3RVER';

/**
 * Starts s3rver (an S3-compatible server on the local file system) with the bucket created, behind a
 * front that verifies SigV4 as S3 does (s3rver checks no V4 signature) and answers S3's multipart API
 * itself (s3rver lacks most of it; see embedded-multipart.ts). Both listen on loopback only;
 * the endpoint is the front's. The API still checks every upload itself (size, then type by probing).
 */
export async function startEmbeddedS3(options: { directory: string; bucket: string; credentials: StoreCredentials }): Promise<EmbeddedS3> {
  await fs.mkdir(options.directory, { recursive: true, mode: 0o700 });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIGURATION] }],
  });
  const backend = await server.run();
  // Multipart uploads in progress live beside s3rver's directory, not in it (its folders are buckets).
  const events = new EventEmitter<{ partStored: [PartStoredEvent] }>();
  const uploads = `${options.directory.replace(/[\\/]+$/, '')}-multipart`;
  await fs.mkdir(uploads, { recursive: true, mode: 0o700 });
  const front = createSigningFront({
    credentials: options.credentials,
    backend: { host: backend.address, port: backend.port },
    multipart: { bucket: options.bucket, directory: uploads, onPartStored: (event) => events.emit('partStored', event) },
  });
  // Longer than clients keep idle connections (S3 keeps them long too), so the server never closes one
  // just as a client reuses it: that race shows as ECONNRESET on a busy machine.
  front.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    async stop() {
      // Keep-alive sockets would hold close() open past our shutdown budget.
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
