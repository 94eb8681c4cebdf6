import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Worker credentials, both derived from the instance-shared signing key so any API instance can check
 * them without a lookup:
 * - the machine credential (env of every worker machine) may only claim jobs;
 * - a job token names one job and one lease (one attempt), so it works only for that job and stops
 *   working the moment the job is taken back from a lost worker.
 * Neither is an API key: the public GraphQL API refuses both.
 */
export function machineCredential(key: Buffer): string {
  return `ffm_${mac(key, 'machine-credential:v1')}`;
}

export function verifyMachineCredential(key: Buffer, presented: string | null): boolean {
  return presented !== null && safeEqual(presented, machineCredential(key));
}

export function jobToken(key: Buffer, jobId: string, leaseId: string): string {
  return `ffj_${jobId}.${leaseId}.${mac(key, `job-token:v1:${jobId}:${leaseId}`)}`;
}

/**
 * A task token (issue 18): names one job and one task's lease. Its own prefix and MAC domain, so the
 * API knows from the token alone which kind of lease to check, and neither kind passes for the other.
 */
export function taskToken(key: Buffer, jobId: string, leaseId: string): string {
  return `fft_${jobId}.${leaseId}.${mac(key, `task-token:v1:${jobId}:${leaseId}`)}`;
}

/** A job or task token's job and lease (`task`: a task's lease), or null when malformed or forged. */
export function verifyWorkerToken(key: Buffer, presented: string | null): { jobId: string; leaseId: string; task: boolean } | null {
  const match = presented ? /^fft_([0-9a-f-]{36})\.([0-9a-f-]{36})\.[A-Za-z0-9_-]+$/.exec(presented) : null;
  if (!match) {
    const lease = verifyJobToken(key, presented);
    return lease && { ...lease, task: false };
  }
  const [, jobId, leaseId] = match as unknown as [string, string, string];
  return safeEqual(presented!, taskToken(key, jobId, leaseId)) ? { jobId, leaseId, task: true } : null;
}

/** The job and lease a token was issued for, or null when it is malformed or forged. */
export function verifyJobToken(key: Buffer, presented: string | null): { jobId: string; leaseId: string } | null {
  const match = presented ? /^ffj_([0-9a-f-]{36})\.([0-9a-f-]{36})\.[A-Za-z0-9_-]+$/.exec(presented) : null;
  if (!match) return null;
  const [, jobId, leaseId] = match as unknown as [string, string, string];
  return safeEqual(presented!, jobToken(key, jobId, leaseId)) ? { jobId, leaseId } : null;
}

function mac(key: Buffer, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
