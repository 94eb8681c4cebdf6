/**
 * The claim of one task of a split job (issue 18), made before any whole-job claim. Kept apart from
 * src/jobs/split-protocol.ts (the calls of a task's worker) so that the whole-job claim can call it
 * without an import cycle: it gets the whole-job claim's description as a function.
 */
import type { ClaimedJob, ClaimedTask, SplitRequest } from '../../protocol/worker-api.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/client.js';
import type { Job, JobTask } from '../db/schema.js';
import type { ObjectStore } from '../storage/object-store.js';
import { taskToken } from '../workers/credentials.js';
import { attemptOutputKey } from './keys.js';
import { claimNextTask, noteTaskClaim, requeueTaskUncounted } from './sql/claim-task.js';
import { readDoneTasks } from './sql/read-tasks.js';

interface TaskClaimServices {
  db: Database;
  store: ObjectStore;
  config: Pick<Config, 'leaseMs'>;
  signingKey: Buffer;
}

/**
 * Claims a QUEUED task for a worker whose request is still open, or null when there is none. A claim
 * not delivered (the client hung up, or describing it failed) is handed straight back, uncounted.
 */
export async function claimTaskForWorker(
  services: TaskClaimServices,
  machineId: string | null,
  isOpen: () => boolean,
  describe: (job: Job) => Promise<ClaimedJob>,
): Promise<ClaimedJob | null> {
  const task = await claimNextTask(services.db, { machineId, leaseMs: services.config.leaseMs });
  if (!task) return null;
  const lease = { jobId: task.jobId, leaseId: task.leaseId! };
  let claim: ClaimedJob | null = null;
  try {
    // Null: the job ended between the two statements (its trigger has ended this task already).
    const job = await noteTaskClaim(services.db, task);
    claim = job && isOpen() ? await describeTask(services, job, task, describe) : null;
  } finally {
    if (!claim || !isOpen()) await requeueTaskUncounted(services.db, lease);
  }
  return claim && isOpen() ? claim : null;
}

async function describeTask(services: TaskClaimServices, job: Job, task: JobTask, describe: (job: Job) => Promise<ClaimedJob>): Promise<ClaimedJob> {
  const whole = await describe(job);
  return {
    ...whole,
    token: taskToken(services.signingKey, job.id, task.leaseId!),
    attempt: task.attempts,
    split: null,
    task: {
      kind: task.kind,
      index: task.index,
      parts: job.parallelism,
      startSeconds: task.startSeconds,
      endSeconds: task.endSeconds,
      plan: task.plan as unknown as SplitRequest,
      inputs: task.kind === 'STITCH' ? await stitchInputs(services, job.id) : [],
    },
  };
}

/** Every file the other tasks reported, with presigned GETs: AUDIO first, then parts 1..N. */
async function stitchInputs(services: TaskClaimServices, jobId: string): Promise<ClaimedTask['inputs']> {
  // workerUrlTtlSeconds (src/jobs/worker-protocol.ts), which this file may not import (a cycle).
  const ttl = Math.max(60, Math.ceil((4 * services.config.leaseMs) / 1000));
  const done = await readDoneTasks(services.db, jobId);
  return Promise.all(
    done.map(async (task) => ({
      kind: task.kind,
      index: task.index,
      files: await Promise.all(
        (task.files ?? []).map(async (file) => ({
          path: file.path,
          sizeBytes: file.sizeBytes,
          url: (await services.store.presignGet(attemptOutputKey(jobId, task.leaseId!, file.path), { expiresInSeconds: ttl })).url,
        })),
      ),
    })),
  );
}
