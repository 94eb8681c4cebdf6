/**
 * A scripted worker for the split protocol tests: plain HTTP calls, as a transcoder would make them,
 * with no ffmpeg. Files are small made-up bytes; the API checks they are in the store, not what they hold.
 */
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB } from '../support/jobs.js';
import { upload } from '../support/jobs.js';

export const SPLIT_JOB_FIELDS = `id status attempts machineId parallelism notices
  progress { phase percent etaSeconds }
  outputs { name url sizeBytes }
  usage { machineSeconds }
  error { code message }`;

export function scriptedWorker(app: TestApp) {
  const credential = machineCredential(app.server.services.signingKey);
  const post = async (path: string, token: string | null, body: unknown = {}) => {
    const response = await fetch(`${app.url}/worker/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const claim = async (machineId = 'machine-1'): Promise<ClaimedJob | null> => {
    const result = await post('/claim', credential, { machineId, waitMs: 0 });
    expect(result.status).toBe(200);
    return result.body.job;
  };
  const call = (claimed: ClaimedJob, action: string, body: unknown = {}) => post(`/jobs/${claimed.id}/${action}`, claimed.token, body);
  const progress = (claimed: ClaimedJob, percent: number) =>
    call(claimed, 'progress', { phase: 'TRANSCODING', percent, speed: 1, etaSeconds: null, outTimeSeconds: null, sourceDurationSeconds: null });
  /** Uploads each file (small bytes) through `uploads` with the claim's token; returns what task-complete lists. */
  const uploadFiles = async (claimed: ClaimedJob, files: Array<{ path: string; body: string; contentType?: string }>) => {
    const granted = await call(claimed, 'uploads', {
      files: files.map((file) => ({ path: file.path, contentType: file.contentType ?? 'application/octet-stream', sizeBytes: Buffer.byteLength(file.body) })),
    });
    expect(granted.status).toBe(200);
    for (const [index, file] of files.entries()) {
      const grant = granted.body.files[index];
      const response = await fetch(grant.upload.url, { method: 'PUT', headers: grant.upload.headers, body: file.body });
      expect(response.ok).toBe(true);
    }
    return files.map((file) => ({ path: file.path, sizeBytes: Buffer.byteLength(file.body) }));
  };
  const split = (claimed: ClaimedJob, cuts: number[], duration = 30) => call(claimed, 'split', { sourceDurationSeconds: duration, cuts, probe: { frameRate: '25' } });
  /** A VIDEO_PART (or an AUDIO task without outputs of its own) done with one file. */
  const finishPart = async (claimed: ClaimedJob) => {
    const files = await uploadFiles(claimed, [{ path: `split/video/part-${claimed.task!.index}.ts`, body: `part ${claimed.task!.index} of ${claimed.id}` }]);
    return call(claimed, 'task-complete', { files, outputs: [], notices: [] });
  };
  return { post, claim, call, progress, uploadFiles, split, finishPart };
}

/** A queued job with a WEB_OPTIMIZED output (split) and an MP3 output (made by the AUDIO task). */
export async function queueVideoJob(app: TestApp, extra: Record<string, unknown> = {}): Promise<string> {
  const job = await createJob(app, {
    source: { filename: 'film.mp4', contentType: 'video/mp4', sizeBytes: 4 },
    outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P360'] } }, { audio: { format: 'MP3', bitrateKbps: 128 } }],
    ...extra,
  });
  await upload(job, new Uint8Array([1, 2, 3, 4]));
  await runMutation(app, START_JOB, job.id);
  return job.id as string;
}

export async function readSplitJob(app: TestApp, id: string) {
  const result = await app.graphql(`query ($id: ID!) { job(id: $id) { ${SPLIT_JOB_FIELDS} } }`, { id });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.job;
}

export async function readJobStatus(app: TestApp, id: string) {
  return (await app.graphql(GET_JOB, { id })).data.job;
}

/** The tasks of a job as the database holds them, in claim order. */
export async function readTaskRows(app: TestApp, jobId: string) {
  return (await app.server.services.db.execute(sql`
    select kind, index, status, attempts, lease_id, machine_id, files from job_tasks where job_id = ${jobId} order by position`)) as unknown as Array<{
    kind: string;
    index: number;
    status: string;
    attempts: number;
    lease_id: string | null;
    machine_id: string | null;
    files: Array<{ path: string }> | null;
  }>;
}

/** Ends every job still queued or running, so each test starts with an empty queue. */
export async function drain(app: TestApp) {
  await app.server.services.db.execute(sql`update jobs set status = 'FAILED', lease_expires_at = null where status in ('QUEUED', 'RUNNING')`);
}

/**
 * The split policy reads MAX_MACHINES at each claim. Tests keep the pool paused (started with
 * MAX_MACHINES=0: no scheduler, no machines) and run their workers by hand, standing for a pool of `n`.
 */
export function allowParts(app: TestApp, n: number): void {
  (app.server.services.config as { maxMachines: number }).maxMachines = n;
}

/**
 * The server both split API test files use: 5 s leases, two attempts, no backoff, splitting from 20 s
 * with up to 3 parts (the pool itself paused), and a scripted worker for it.
 */
export async function startSplitApp(): Promise<{ app: TestApp; worker: ReturnType<typeof scriptedWorker> }> {
  const app = await startTestApp({ LEASE_MS: '5000', MAX_ATTEMPTS: '2', RETRY_BASE_MS: '0', SPLIT_MIN_SECONDS: '20' });
  allowParts(app, 3);
  return { app, worker: scriptedWorker(app) };
}
