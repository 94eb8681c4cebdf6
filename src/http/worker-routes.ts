import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path/posix';
import { z } from 'zod';
import { expandRenditions } from '../../protocol/job-spec.js';
import {
  MULTIPART_PART_BYTES,
  MULTIPART_THRESHOLD_BYTES,
  WORKER_API_PREFIX,
  type ClaimedJob,
  type ReportResponse,
  type UploadsResponse,
} from '../../protocol/worker-api.js';
import { claimNextJob, completeJob, failJob, recordProgress, releaseJob, type LeaseOutcome } from '../db/claims.js';
import { jobOutputsTable, type Job } from '../db/schema.js';
import { JOB_PHASES } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { jobPrefix, outputKey } from '../jobs/keys.js';
import type { Services } from '../services.js';
import { bearerToken } from '../auth/bearer.js';
import { jobToken, verifyJobToken, verifyMachineCredential } from '../workers/credentials.js';
import { sendJson } from './app.js';
import { readJson, RequestError } from './read-json.js';

const MAX_WAIT_MS = 25_000;
/** Presigned URLs handed to workers outlive any sane encode; the lease, not the URL, bounds the work. */
const WORKER_URL_TTL_S = 6 * 3600;

const claimBody = z.object({ machineId: z.string().max(64).nullish(), waitMs: z.number().int().min(0).max(MAX_WAIT_MS).default(0) });
const progressBody = z.object({
  phase: z.enum(JOB_PHASES),
  percent: z.number().min(0).max(100),
  speed: z.number().min(0).nullish(),
  etaSeconds: z.number().min(0).nullish(),
  outTimeSeconds: z.number().min(0).nullish(),
  sourceDurationSeconds: z.number().min(0).nullish(),
});
const filePath = z.string().max(512).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, 'not a safe relative path');
const uploadsBody = z.object({
  files: z.array(z.object({ path: filePath, contentType: z.string().max(100), sizeBytes: z.number().int().min(0) })).min(1).max(5000),
});
const completeMultipartBody = z.object({
  path: filePath,
  uploadId: z.string().min(1).max(1024),
  parts: z.array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) })).min(1),
});
const completeBody = z.object({
  outputs: z.array(
    z.object({
      name: z.string().max(64),
      sizeBytes: z.number().int().min(0).nullable(),
      durationSeconds: z.number().min(0).nullable(),
      skippedReason: z.string().max(500).nullable(),
      substitute: z
        .object({ outputIndex: z.number().int().min(0).max(9), fileName: filePath, contentType: z.string().max(100) })
        .optional(),
    }),
  ),
  notices: z.array(z.string().max(500)).max(50),
  sourceDurationSeconds: z.number().min(0).nullable(),
});
const failBody = z.object({ code: z.string().regex(/^[A-Z_]{2,40}$/), message: z.string().max(2000), detail: z.string().max(8192).nullable() });
const releaseBody = z.object({ reason: z.string().max(200) });

/**
 * The worker endpoints under /worker/v1. A machine credential can only claim; a job token only report
 * on its own job and lease. Neither reads the public API (which only accepts API keys).
 */
export function createWorkerRoutes(services: Services) {
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'Method not allowed' });
    const route = new URL(request.url ?? '/', 'http://localhost').pathname.slice(WORKER_API_PREFIX.length);
    const token = bearerToken(request.headers.authorization);
    try {
      if (route === '/claim') {
        if (!verifyMachineCredential(services.signingKey, token)) return sendJson(response, 401, { error: 'Invalid machine credential' });
        const body = parse(claimBody, await readJson(request));
        const job = await claimWithWait(body.machineId ?? null, body.waitMs, response);
        return sendJson(response, 200, { job: job ? await describeClaim(job) : null });
      }
      const match = /^\/jobs\/([0-9a-f-]{36})\/(progress|uploads|uploads\/complete|complete|fail|release)$/.exec(route);
      if (!match) return sendJson(response, 404, { error: 'Not found' });
      const [, jobId, action] = match as unknown as [string, string, string];
      const lease = verifyJobToken(services.signingKey, token);
      if (!lease || lease.jobId !== jobId) return sendJson(response, 403, { error: 'This token is not valid for this job' });
      const body = await readJson(request);
      switch (action) {
        case 'progress':
          return reply(response, await progress(lease, parse(progressBody, body)));
        case 'uploads':
          return sendJson(response, 200, await presignUploads(jobId, parse(uploadsBody, body).files));
        case 'uploads/complete': {
          const parts = parse(completeMultipartBody, body);
          await services.store.completeMultipartUpload(outputKey(jobId, parts.path), parts.uploadId, parts.parts);
          return sendJson(response, 200, { status: 'ok' });
        }
        case 'complete':
          return reply(response, await complete(lease, parse(completeBody, body)));
        case 'fail':
          return reply(response, await failJob(services.db, lease, parse(failBody, body)));
        case 'release':
          return reply(response, await releaseJob(services.db, lease, parse(releaseBody, body).reason));
      }
    } catch (error) {
      if (error instanceof RequestError) return sendJson(response, error.status, { error: error.message });
      throw error;
    }
  }

  /** Long poll: try, then wait for any job notification (or the deadline) and try again. */
  let closing = false;
  const waiters = new Set<() => void>();

  async function claimWithWait(machineId: string | null, waitMs: number, response: ServerResponse): Promise<Job | null> {
    const deadline = Date.now() + waitMs;
    const leaseMs = services.config.leaseMs;
    while (true) {
      // Once the instance is stopping, waiting claimers are answered "no job" and come back elsewhere.
      if (closing) return null;
      const job = await claimNextJob(services.db, { machineId, leaseMs });
      // A worker that hung up gets nothing (and takes nothing: the claim happens only while it waits).
      if (job || Date.now() >= deadline || response.destroyed) return job;
      await new Promise<void>((resolve) => {
        waiters.add(done);
        // Also retry on a timer: a job whose backoff ends makes no notification.
        const timer = setTimeout(done, Math.min(1_000, deadline - Date.now()));
        const stop = services.jobListener?.watchAll((change) => (change === null || change.status === 'QUEUED' ? done() : undefined));
        // The response's 'close' is the client hanging up (the request's fires once its body is read).
        response.once('close', done);
        function done() {
          waiters.delete(done);
          clearTimeout(timer);
          stop?.();
          response.off('close', done);
          resolve();
        }
      });
    }
  }

  async function describeClaim(job: Job): Promise<ClaimedJob> {
    const { store, config, signingKey } = services;
    const renditions = expandRenditions(job.spec);
    const source = await store.presignGet(job.sourceKey, { expiresInSeconds: WORKER_URL_TTL_S });
    return {
      id: job.id,
      token: jobToken(signingKey, job.id, job.leaseId!),
      attempt: job.attempts,
      leaseMs: config.leaseMs,
      spec: job.spec,
      source: { url: source.url, filename: job.sourceFilename, sizeBytes: job.sourceSizeBytes, contentType: job.sourceContentType },
      outputs: await Promise.all(
        renditions.map(async (rendition) => {
          const single = !rendition.fileName.includes('/');
          const upload = single
            ? await store.presignPut(outputKey(job.id, rendition.fileName), { contentType: rendition.contentType, expiresInSeconds: WORKER_URL_TTL_S })
            : null;
          return { name: rendition.name, fileName: rendition.fileName, contentType: rendition.contentType, upload: upload && { url: upload.url, headers: upload.headers } };
        }),
      ),
      limits: { maxDurationSeconds: config.maxDurationSeconds, stallMs: config.stallMs },
    };
  }

  async function progress(lease: { jobId: string; leaseId: string }, body: z.infer<typeof progressBody>): Promise<LeaseOutcome> {
    const outcome = await recordProgress(
      services.db,
      { ...lease, leaseMs: services.config.leaseMs },
      {
        phase: body.phase,
        percent: Math.min(body.percent, 99.9),
        speed: body.speed ?? null,
        etaSeconds: body.etaSeconds ?? null,
        outTimeSeconds: body.outTimeSeconds ?? null,
        sourceDurationSeconds: body.sourceDurationSeconds ?? null,
      },
    );
    // Not inside the update: every notifying commit takes a cluster-wide lock. The listener
    // coalesces progress (per job, and across jobs into one commit) after it is committed.
    if (outcome.kind === 'ok') services.jobListener?.announce(outcome.job);
    return outcome;
  }

  async function presignUploads(jobId: string, files: z.infer<typeof uploadsBody>['files']): Promise<UploadsResponse> {
    const { store } = services;
    return {
      files: await Promise.all(
        files.map(async (file) => {
          const key = outputKey(jobId, file.path);
          if (!key.startsWith(jobPrefix(jobId))) throw new RequestError(400, `Path escapes the job: ${file.path}`);
          if (file.sizeBytes <= MULTIPART_THRESHOLD_BYTES) {
            const upload = await store.presignPut(key, { contentType: file.contentType, contentLength: file.sizeBytes, expiresInSeconds: WORKER_URL_TTL_S });
            return { path: file.path, kind: 'single' as const, upload: { url: upload.url, headers: upload.headers } };
          }
          const uploadId = await store.createMultipartUpload(key, file.contentType);
          const count = Math.ceil(file.sizeBytes / MULTIPART_PART_BYTES);
          const parts = await Promise.all(
            Array.from({ length: count }, async (_, index) => ({
              partNumber: index + 1,
              url: await store.presignUploadPart(key, uploadId, index + 1, WORKER_URL_TTL_S),
            })),
          );
          return { path: file.path, kind: 'multipart' as const, uploadId, partSizeBytes: MULTIPART_PART_BYTES, parts };
        }),
      ),
    };
  }

  /** Checks the published renditions are really in the store before the job says COMPLETED. */
  async function complete(lease: { jobId: string; leaseId: string }, body: z.infer<typeof completeBody>): Promise<LeaseOutcome> {
    const outputs = await services.db.select().from(jobOutputsTable).where(eq(jobOutputsTable.jobId, lease.jobId));
    const keys = new Map(outputs.map((output) => [output.name, output.key]));
    for (const output of outputs) {
      if (!body.outputs.some((candidate) => candidate.name === output.name)) throw new RequestError(400, `Output "${output.name}" was not reported`);
    }
    for (const reported of body.outputs) {
      if (reported.skippedReason !== null) continue;
      if (!keys.has(reported.name) && !reported.substitute) throw new RequestError(400, `Output "${reported.name}" is not one of the job's`);
      const key = keys.get(reported.name) ?? outputKey(lease.jobId, reported.substitute!.fileName);
      const head = await services.store.head(key);
      if (!head || head.sizeBytes === 0) throw new RequestError(409, `Output "${reported.name}" is not in the store`);
    }
    return completeJob(services.db, lease, {
      ...body,
      outputs: body.outputs.map((output) => ({
        ...output,
        substitute: output.substitute && keys.has(output.name) ? undefined : output.substitute && { ...output.substitute, key: outputKey(lease.jobId, output.substitute.fileName) },
      })),
    });
  }

  return Object.assign(handle, {
    /**
     * Ends every waiting claim at once (a long poll would otherwise hold shutdown for the whole grace
     * period). Progress held back by coalescing is sent by the job listener's close().
     */
    close() {
      closing = true;
      for (const wake of [...waiters]) wake();
    },
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new RequestError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

function reply(response: ServerResponse, outcome: LeaseOutcome): void {
  const body: ReportResponse = { status: outcome.kind };
  // A lost lease is a conflict: the job belongs to another attempt now.
  sendJson(response, outcome.kind === 'lost' ? 409 : 200, body);
}
