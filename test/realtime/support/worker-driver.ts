import type { ClaimedJob } from '../../../protocol/worker-api.js';
import { jobUuidOf } from '../../../src/jobs/global-id.js';
import { machineCredential } from '../../../src/workers/credentials.js';
import type { TestApp } from '../../support/app.js';
import { createJob, runMutation, START_JOB, upload, wavInput } from '../../support/jobs.js';

/** Drives jobs as a worker would, through the worker endpoints of whichever instance it is given. */
export interface WorkerDriver {
  /** Creates, uploads and starts a job through `app`; returns its global id. */
  queueJob(app: TestApp, key?: string): Promise<string>;
  /** Claims the next job through the instance at `url`; it must be `jobId` when given. */
  claim(url: string, jobId?: string): Promise<ClaimedJob>;
  report(url: string, claimed: ClaimedJob, percent: number, extra?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  fail(url: string, claimed: ClaimedJob): Promise<{ status: number; body: any }>;
}

export function createWorkerDriver(app: TestApp): WorkerDriver {
  const credential = machineCredential(app.server.services.signingKey);
  const post = async (url: string, path: string, token: string, body: unknown) => {
    const response = await fetch(`${url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return {
    async queueJob(target, key) {
      const job = await createJob(target, wavInput(4), key);
      await upload(job, new Uint8Array([1, 2, 3, 4]));
      await runMutation(target, START_JOB, job.id, key);
      return job.id as string;
    },
    async claim(url, jobId) {
      const result = await post(url, '/claim', credential, { machineId: 'machine-test', waitMs: 5_000 });
      if (result.status !== 200 || !result.body.job) throw new Error(`claim failed: ${result.status} ${JSON.stringify(result.body)}`);
      const claimed = result.body.job as ClaimedJob;
      if (jobId && claimed.id !== jobUuid(jobId)) throw new Error(`claimed ${claimed.id}, expected ${jobUuid(jobId)}: a test left a job queued`);
      return claimed;
    },
    report: (url, claimed, percent, extra = {}) =>
      post(url, `/jobs/${claimed.id}/progress`, claimed.token, { phase: 'TRANSCODING', percent, ...extra }),
    fail: (url, claimed) =>
      post(url, `/jobs/${claimed.id}/fail`, claimed.token, { code: 'INPUT_UNREADABLE', message: 'Not a media file', detail: null }),
  };
}

/** The job's uuid from its global id (what worker endpoints and SQL use). */
export function jobUuid(globalId: string): string {
  const uuid = jobUuidOf(globalId);
  if (!uuid) throw new Error(`Not a job id: ${globalId}`);
  return uuid;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
