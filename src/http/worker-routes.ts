import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { WORKER_API_PREFIX, type ReportResponse } from '../../protocol/worker-api.js';
import { bearerToken } from '../auth/bearer.js';
import { JOB_PHASES } from '../db/schema.js';
import type { LeaseOutcome } from '../jobs/sql/lease.js';
import {
  claimForWorker,
  completeForWorker,
  completeMultipart,
  failForWorker,
  grantUploads,
  releaseForWorker,
  reportProgress,
  WorkerCallError,
} from '../jobs/worker-protocol.js';
import { completeSourceCopy, grantSourceCopy } from '../jobs/source-copy.js';
import {
  checkTaskLease,
  completeStitchForWorker,
  completeTaskForWorker,
  failTaskForWorker,
  releaseTaskForWorker,
  reportTaskProgress,
  splitForWorker,
} from '../jobs/split-protocol.js';
import type { ApiServices } from '../graphql/services.js';
import { verifyMachineCredential, verifyWorkerToken } from '../workers/credentials.js';
import { sendJson } from './app.js';
import { readJson, RequestError } from './read-json.js';

const MAX_WAIT_MS = 25_000;

const claimBody = z.object({ machineId: z.string().max(64).nullish(), waitMs: z.number().int().min(0).max(MAX_WAIT_MS).default(0) });
const progressBody = z.object({
  phase: z.enum(JOB_PHASES),
  percent: z.number().min(0).max(100),
  speed: z.number().min(0).nullish().transform((value) => value ?? null),
  etaSeconds: z.number().min(0).nullish().transform((value) => value ?? null),
  outTimeSeconds: z.number().min(0).nullish().transform((value) => value ?? null),
  sourceDurationSeconds: z.number().min(0).nullish().transform((value) => value ?? null),
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
      substitute: z.object({ outputIndex: z.number().int().min(0).max(9), fileName: filePath, contentType: z.string().max(100) }).optional(),
      width: z.number().int().min(1).max(65_535).nullish(),
      height: z.number().int().min(1).max(65_535).nullish(),
      loudness: z.object({ integratedLufs: z.number(), truePeakDb: z.number(), rangeLu: z.number() }).nullish(),
      contentType: z.string().max(100).optional(),
      storyboard: z
        .object({
          vtt: filePath,
          sheet: filePath,
          sheetWidth: z.number().int().min(1),
          sheetHeight: z.number().int().min(1),
          tileWidth: z.number().int().min(1),
          tileHeight: z.number().int().min(1),
          columns: z.number().int().min(1),
          rows: z.number().int().min(1),
          tiles: z.number().int().min(1),
          intervalSeconds: z.number().min(0),
        })
        .nullish(),
    }),
  ),
  notices: z.array(z.string().max(500)).max(50),
  sourceDurationSeconds: z.number().min(0).nullable(),
});
const sourceCopyBody = z.object({
  sizeBytes: z.number().int().min(1),
  contentType: z.string().max(100),
  parts: z.object({ uploadId: z.string().min(1).max(1024), partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(100) }).optional(),
});
const sourceCopiedBody = z.object({
  sizeBytes: z.number().int().min(1),
  multipart: z
    .object({
      uploadId: z.string().min(1).max(1024),
      parts: z.array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) })).min(1),
    })
    .nullable(),
});
const failBody = z.object({ code: z.string().regex(/^[A-Z_]{2,40}$/), message: z.string().max(2000), detail: z.string().max(8192).nullable() });
const releaseBody = z.object({ reason: z.string().max(200) });
const splitBody = z.object({
  sourceDurationSeconds: z.number().min(0),
  cuts: z.array(z.number().min(0)).min(1).max(1000),
  probe: z.record(z.string(), z.unknown()),
});
const taskCompleteBody = z.object({
  files: z.array(z.object({ path: filePath, sizeBytes: z.number().int().min(0) })).max(5000),
  outputs: completeBody.shape.outputs,
  notices: completeBody.shape.notices,
});

/**
 * The worker endpoints under /worker/v1: an adapter that authenticates, parses and answers; the rules
 * (leases, attempt keys, failure classes) live in src/jobs/worker-protocol.ts. A machine credential can
 * only claim; a job token only act on its own job, and only while its lease is the job's current one.
 */
export function createWorkerRoutes(services: ApiServices) {
  const verifiedTokens = createTokenCache((token) => verifyWorkerToken(services.signingKey, token));
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'Method not allowed' });
    // Registered first: the response's 'close' is the client hanging up (the request's fires once its body is read).
    let open = true;
    response.once('close', () => (open = false));
    const route = new URL(request.url ?? '/', 'http://localhost').pathname.slice(WORKER_API_PREFIX.length);
    const token = bearerToken(request.headers.authorization);
    try {
      if (route === '/claim') {
        if (!verifyMachineCredential(services.signingKey, token)) return sendJson(response, 401, { error: 'Invalid machine credential' });
        const body = parse(claimBody, await readJson(request));
        const job = await claimWithWait(body.machineId ?? null, body.waitMs, response, () => open);
        return sendJson(response, 200, { job });
      }
      const match = /^\/jobs\/([0-9a-f-]{36})\/(progress|uploads|uploads\/complete|source|source\/complete|complete|fail|release|split|task-complete)$/.exec(route);
      if (!match) return sendJson(response, 404, { error: 'Not found' });
      const [, jobId, action] = match as unknown as [string, string, string];
      const verified = verifiedTokens.verify(token);
      if (!verified || verified.jobId !== jobId) return sendJson(response, 403, { error: 'This token is not valid for this job' });
      const lease = { jobId: verified.jobId, leaseId: verified.leaseId };
      const body = await readJson(request);
      // A task token (a part, the audio or the stitch of a split job: issue 18) acts on its task's lease.
      if (verified.task) return await handleTask(response, action, lease, body);
      switch (action) {
        case 'progress':
          return reply(response, await reportProgress(services, lease, parse(progressBody, body)));
        case 'uploads': {
          const outcome = await grantUploads(services, lease, parse(uploadsBody, body).files);
          return outcome.kind === 'ok' ? sendJson(response, 200, { status: 'ok', files: outcome.files }) : reply(response, outcome);
        }
        case 'uploads/complete':
          return reply(response, await completeMultipart(services, lease, parse(completeMultipartBody, body)));
        case 'source': {
          const outcome = await grantSourceCopy(services, lease, parse(sourceCopyBody, body));
          return outcome.kind === 'ok' ? sendJson(response, 200, outcome.response) : reply(response, outcome);
        }
        case 'source/complete':
          return reply(response, await completeSourceCopy(services, lease, parse(sourceCopiedBody, body)));
        case 'complete':
          return reply(response, await completeForWorker(services, lease, parse(completeBody, body)));
        case 'fail':
          return reply(response, await failForWorker(services, lease, parse(failBody, body)));
        case 'release':
          return reply(response, await releaseForWorker(services, lease, parse(releaseBody, body).reason));
        case 'split':
          return reply(response, await splitForWorker(services, lease, parse(splitBody, body)));
        case 'task-complete':
          return sendJson(response, 400, { error: 'task-complete needs a task token' });
      }
    } catch (error) {
      if (error instanceof RequestError || error instanceof WorkerCallError) return sendJson(response, error.status, { error: error.message });
      throw error;
    }
  }

  async function handleTask(response: ServerResponse, action: string, lease: { jobId: string; leaseId: string }, body: unknown): Promise<void> {
    switch (action) {
      case 'progress':
        return reply(response, await reportTaskProgress(services, lease, parse(progressBody, body)));
      case 'uploads': {
        const outcome = await grantUploads(services, lease, parse(uploadsBody, body).files, checkTaskLease);
        return outcome.kind === 'ok' ? sendJson(response, 200, { status: 'ok', files: outcome.files }) : reply(response, outcome);
      }
      case 'uploads/complete':
        return reply(response, await completeMultipart(services, lease, parse(completeMultipartBody, body), checkTaskLease));
      case 'task-complete':
        return reply(response, await completeTaskForWorker(services, lease, parse(taskCompleteBody, body)));
      case 'complete':
        return reply(response, await completeStitchForWorker(services, lease, parse(completeBody, body)));
      case 'fail':
        return reply(response, await failTaskForWorker(services, lease, parse(failBody, body)));
      case 'release':
        parse(releaseBody, body);
        return reply(response, await releaseTaskForWorker(services, lease));
      default:
        // The source (copied by the planner) and the split itself are whole-job calls.
        return sendJson(response, 400, { error: `${action} is not a task's call` });
    }
  }

  /** Long poll: try, then wait for any job notification (or the deadline) and try again. */
  let closing = false;
  const waiters = new Set<() => void>();

  async function claimWithWait(machineId: string | null, waitMs: number, response: ServerResponse, isOpen: () => boolean) {
    const deadline = Date.now() + waitMs;
    while (true) {
      // Once the instance is stopping, waiting claimers are answered "no job" and come back elsewhere.
      if (closing || !isOpen()) return null;
      const job = await claimForWorker(services, machineId, () => isOpen() && !closing);
      if (job || Date.now() >= deadline) return job;
      await new Promise<void>((resolve) => {
        waiters.add(done);
        // Also retry on a timer: a job whose backoff ends makes no notification.
        const timer = setTimeout(done, Math.min(1_000, deadline - Date.now()));
        const stop = services.jobListener.watchAll((change) => (change === null || change.status === 'QUEUED' ? done() : undefined));
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

/** A lost lease is a conflict: the job belongs to another attempt now (nothing was changed). */
function reply(response: ServerResponse, outcome: { kind: 'ok' | 'canceled' | 'lost' }): void {
  const body: ReportResponse = { status: outcome.kind };
  sendJson(response, outcome.kind === 'lost' ? 409 : 200, body);
}

/** How many verified job tokens an instance remembers: more than the jobs it can have running at once. */
const TOKEN_CACHE_SIZE = 4_096;

/**
 * Remembers the tokens that verified, so that a worker's progress reports (two a second) do not each
 * compute an HMAC: a token's text alone decides what it grants, so a remembered one stays valid (the
 * lease check in SQL still refuses a token whose attempt is over). Refused tokens are not remembered,
 * so nobody can fill the cache without the signing key. Oldest first out once full.
 */
type VerifiedToken = NonNullable<ReturnType<typeof verifyWorkerToken>>;

function createTokenCache(verify: (token: string | null) => VerifiedToken | null) {
  const verified = new Map<string, VerifiedToken>();
  return {
    verify(token: string | null): VerifiedToken | null {
      if (token === null) return null;
      const known = verified.get(token);
      if (known) return known;
      const lease = verify(token);
      if (!lease) return null;
      if (verified.size >= TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, lease);
      return lease;
    },
  };
}
