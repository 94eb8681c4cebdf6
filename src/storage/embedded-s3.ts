import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { StoreCredentials } from './signature-check.js';
import { createSigningFront } from './signing-front.js';

export interface EmbeddedS3 {
  endpoint: string;
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
 * front that verifies SigV4 as S3 does (s3rver checks no V4 signature). Both listen on loopback only;
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
  const front = createSigningFront({
    credentials: options.credentials,
    backend: { host: backend.address, port: backend.port },
    multipart: { directory: options.directory, bucket: options.bucket },
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      // Keep-alive sockets would hold close() open past our shutdown budget.
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
