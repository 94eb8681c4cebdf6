import fs from 'node:fs/promises';
import S3rver from 's3rver';

export interface EmbeddedS3 {
  endpoint: string;
  stop(): Promise<void>;
}

/** Browsers upload straight to the store with the presigned PUT, so CORS is open for them. */
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

/**
 * Starts s3rver (an S3-compatible server on the local file system) on a free port with the bucket
 * created. s3rver does not verify signatures, which is why the API checks every upload itself
 * (size, then type by probing) before a job runs.
 */
export async function startEmbeddedS3(options: { directory: string; bucket: string; host?: string }): Promise<EmbeddedS3> {
  await fs.mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: options.host ?? '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIGURATION] }],
  });
  const address = await server.run();
  return {
    endpoint: `http://${address.address}:${address.port}`,
    async stop() {
      // Keep-alive sockets would hold close() open past our shutdown budget.
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
