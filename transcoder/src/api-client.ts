import { backoffDelay } from '../../protocol/backoff.js';
import {
  WORKER_API_PREFIX,
  type ClaimedJob,
  type ClaimResponse,
  type CompleteMultipartRequest,
  type CompleteRequest,
  type FailRequest,
  type ProgressRequest,
  type ReportResponse,
  type SourceCopiedRequest,
  type SourceCopyRequest,
  type SourceCopyResponse,
  type SplitRequest,
  type TaskCompleteRequest,
  type UploadsRequest,
  type UploadsResponse,
} from '../../protocol/worker-api.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Options of one call: `retryForMs` keeps retrying network errors and 5xx for that long. */
interface PostOptions {
  retries?: number;
  retryForMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The worker's only way to the API: JSON over HTTP with its machine credential (to claim) or the job
 * token (for everything about one job). Network errors and 5xx are retried with backoff; a 409 on a
 * report means the lease is gone and is returned as `lost`, not thrown.
 *
 * Calls about a job ride out an API outage: they retry for at least the lease (`reportWindowMs`), the
 * time after which the API takes the job back anyway, so the worker never gives up on a job the API
 * would still accept. Only then do they throw.
 */
export function createApiClient(options: { apiUrl: string; credential: string; fetch?: typeof fetch }) {
  const base = `${options.apiUrl.replace(/\/+$/, '')}${WORKER_API_PREFIX}`;
  const doFetch = options.fetch ?? fetch;

  async function post<T>(path: string, token: string, body: unknown, { retries = 4, retryForMs = 0, timeoutMs = 30_000, signal }: PostOptions = {}): Promise<T> {
    const giveUpAt = Date.now() + retryForMs;
    const exhausted = (attempt: number) => attempt >= retries && Date.now() >= giveUpAt;
    for (let attempt = 0; ; attempt++) {
      // A plain timer rather than AbortSignal.timeout(): Node 20's AbortSignal.any() holds its sources
      // weakly, and a collected timeout signal would never fire.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      try {
        const response = await doFetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
        });
        const payload = (await response.json().catch(() => ({}))) as { error?: string };
        if (response.ok || response.status === 409) return payload as T;
        if (response.status < 500 || exhausted(attempt)) throw new ApiError(response.status, payload.error ?? `HTTP ${response.status}`);
      } catch (error) {
        if (error instanceof ApiError || signal?.aborted || exhausted(attempt)) throw error;
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { baseMs: 250, maxMs: 8_000, jitter: 'spread' })));
    }
  }

  return {
    /** Long-polls for a job; null when none came within `waitMs`. */
    async claim(machineId: string | null, waitMs: number, signal?: AbortSignal): Promise<ClaimedJob | null> {
      const response = await post<ClaimResponse>('/claim', options.credential, { machineId, waitMs }, { timeoutMs: waitMs + 15_000, signal });
      return response.job;
    },
    forJob(job: ClaimedJob, reportWindowMs = reportWindow(job.leaseMs)) {
      const jobPath = `/jobs/${job.id}`;
      const report = { retryForMs: reportWindowMs, timeoutMs: 15_000 };
      return {
        // The reporter sends the next heartbeat soon anyway: a short retry, never blocking it.
        progress: (request: ProgressRequest) => post<ReportResponse>(`${jobPath}/progress`, job.token, request, { retries: 1, timeoutMs: 10_000 }),
        uploads: (request: UploadsRequest) => post<UploadsResponse>(`${jobPath}/uploads`, job.token, request, report),
        completeMultipart: (request: CompleteMultipartRequest) => post<ReportResponse>(`${jobPath}/uploads/complete`, job.token, request, report),
        /** Where to put the copy of a fetched URL source (or a batch of its part URLs). */
        sourceCopy: (request: SourceCopyRequest) => post<SourceCopyResponse>(`${jobPath}/source`, job.token, request, report),
        /** The copy is in the store: the API checks and records it, so no later attempt fetches again. */
        sourceCopied: (request: SourceCopiedRequest) => post<ReportResponse>(`${jobPath}/source/complete`, job.token, request, report),
        /** Whole-job claims: the planner's cuts; `ok` ends this lease (the job goes on as tasks). */
        split: (request: SplitRequest) => post<ReportResponse>(`${jobPath}/split`, job.token, request, report),
        /** VIDEO_PART and AUDIO tasks: done, with the files the stitch needs (and the AUDIO task's outputs). */
        taskComplete: (request: TaskCompleteRequest) => post<ReportResponse>(`${jobPath}/task-complete`, job.token, request, report),
        complete: (request: CompleteRequest) => post<ReportResponse>(`${jobPath}/complete`, job.token, request, report),
        fail: (request: FailRequest) => post<ReportResponse>(`${jobPath}/fail`, job.token, request, report),
        release: (reason: string) => post<ReportResponse>(`${jobPath}/release`, job.token, { reason }, { retries: 1, timeoutMs: 2_000 }),
      };
    },
  };
}

/**
 * How long a job's reports keep retrying through an outage: past the lease (after which the API will
 * have taken the job back, and answers `lost`), with a margin for the reaper's sweep.
 */
export function reportWindow(leaseMs: number): number {
  return Math.max(leaseMs * 2, 60_000);
}

export type ApiClient = ReturnType<typeof createApiClient>;
export type JobApi = ReturnType<ApiClient['forJob']>;
