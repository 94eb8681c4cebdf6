import type { ClaimedJob, CompleteRequest } from '../../protocol/worker-api.js';
import { machineCredential } from '../../src/workers/credentials.js';
import type { TestApp } from './app.js';

/**
 * Plays a worker through the real worker protocol: claims the next queued job, uploads `files` with the
 * presigned URLs the API grants (under the attempt's prefix, as a worker does) and completes it with
 * `outputs`. For tests of what the API and clients do with outputs, without running ffmpeg.
 */
export async function completeByHand(
  app: TestApp,
  files: Array<{ path: string; contentType: string; body: Buffer }>,
  outputs: CompleteRequest['outputs'],
  sourceDurationSeconds: number | null = null,
): Promise<ClaimedJob> {
  const post = async (path: string, token: string, body: unknown) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as any;
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const claimed = (await post('/claim', machineCredential(app.server.services.signingKey), { machineId: 'by-hand', waitMs: 0 })).job as ClaimedJob | null;
  if (!claimed) throw new Error('No queued job to claim');
  const grant = await post(`/jobs/${claimed.id}/uploads`, claimed.token, {
    files: files.map((file) => ({ path: file.path, contentType: file.contentType, sizeBytes: file.body.length })),
  });
  for (const [index, file] of files.entries()) {
    const { upload } = grant.files[index];
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(file.body) });
    if (!response.ok) throw new Error(`upload of ${file.path} failed: HTTP ${response.status}`);
  }
  const complete = await post(`/jobs/${claimed.id}/complete`, claimed.token, { outputs, notices: [], sourceDurationSeconds });
  if (complete.status !== 'ok') throw new Error(`complete answered ${JSON.stringify(complete)}`);
  return claimed;
}
