/**
 * Split and stitch (issue 18): the calls of a split job's planner and of its tasks' workers. The rules
 * of src/jobs/worker-protocol.ts hold for tasks too: every call is checked against the task's current
 * lease first (a task token names the job and the task's lease), and a task uploads only under its own
 * lease's prefix (`jobs/<id>/attempts/<taskLeaseId>/`), so a task whose lease was taken back changes
 * nothing anyone reads. A task's worker gets `canceled` once the job was canceled or failed.
 */
import { sql } from 'drizzle-orm';
import type { SplitRequest, TaskCompleteRequest } from '../../protocol/worker-api.js';
import { attemptOutputKey } from './keys.js';
import type { CompletedOutput } from './sql/complete-job.js';
import type { Failure } from './sql/fail-job.js';
import { loadJobRecord } from './sql/read-jobs.js';
import { readDoneTasks } from './sql/read-tasks.js';
import { splitJob } from './sql/split-job.js';
import { requeueTaskUncounted } from './sql/claim-task.js';
import type { Lease, ProgressReport } from './sql/lease.js';
import { completeTask, failJobForTask, failTask, taskLeaseGuard, type TaskCallOutcome } from './sql/task-finish.js';
import { refreshSplitProgress, taskLeaseProblem, touchTaskLease } from './sql/task-lease.js';
import { checkSplitRequest, planTasks, splitPolicyFor } from './split-plan.js';
import {
  completeForWorker,
  resolveReportedOutputs,
  WorkerCallError,
  type CallOutcome,
  type CompleteReport,
  type LeaseCheck,
  type ProtocolServices,
} from './worker-protocol.js';

/**
 * The planner's split (`POST .../split`, whole-job token): the job becomes its tasks and the planner's
 * lease ends. A plan the policy does not allow is the worker's mistake (400); a URL source must have
 * been copied into the store first (422), since every task downloads it from there.
 */
export async function splitForWorker(services: ProtocolServices, lease: Lease, request: SplitRequest): Promise<CallOutcome> {
  const record = await loadJobRecord(services.db, lease.jobId);
  if (!record || record.job.status !== 'RUNNING' || record.job.leaseId !== lease.leaseId) {
    return record?.job.status === 'CANCELED' ? { kind: 'canceled' } : { kind: 'lost' };
  }
  const problem = checkSplitRequest(splitPolicyFor(services.config, record.job.spec), request);
  if (problem) throw new WorkerCallError(400, `Split refused: ${problem}`);
  if (record.job.sourceUrl !== null && record.job.sourceFetchedAt === null) throw new WorkerCallError(422, 'Copy the source into the store before splitting');
  const outcome = await splitJob(services.db, lease, request, planTasks(record.job.spec, request));
  if (outcome.kind === 'ok') services.jobListener.announce(outcome.job);
  return outcome;
}

/** A task's lease check and heartbeat, for the calls shared with whole jobs (uploads, multipart). */
export const checkTaskLease: LeaseCheck = (services, lease) => touchTaskLease(services.db, { ...lease, leaseMs: services.config.leaseMs });

/**
 * A task's progress report: its heartbeat, and the job's weighted progress recomputed from every task
 * (a statement of its own, after the task's), announced like a whole job's.
 */
export async function reportTaskProgress(services: ProtocolServices, lease: Lease, report: ProgressReport): Promise<CallOutcome> {
  const outcome = await touchTaskLease(services.db, { ...lease, leaseMs: services.config.leaseMs }, Math.min(report.percent, 100));
  if (outcome.kind !== 'ok') return outcome;
  const job = await refreshSplitProgress(services.db, lease.jobId);
  if (job) services.jobListener.announce(job);
  services.telemetry.progressReported(report.speed);
  return { kind: 'ok' };
}

/**
 * A VIDEO_PART or AUDIO task is done (`POST .../task-complete`). Every file it lists must be in the
 * store under its lease (422 otherwise); the AUDIO task's outputs are checked as `complete` checks a
 * job's, and kept for the stitch's completion.
 */
export async function completeTaskForWorker(services: ProtocolServices, lease: Lease, request: TaskCompleteRequest): Promise<CallOutcome> {
  const checked = await touchTaskLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
  if (checked.kind !== 'ok') return checked;
  if (checked.task.kind === 'STITCH') throw new WorkerCallError(400, 'The stitch ends the job with complete');
  for (const file of request.files) {
    const head = await services.store.head(taskFileKey(lease, file.path));
    if (!head) throw new WorkerCallError(422, `File "${file.path}" is not in the store`);
  }
  let outputs: CompletedOutput[] = [];
  if (request.outputs.length > 0) {
    const record = (await loadJobRecord(services.db, lease.jobId))!;
    outputs = await resolveReportedOutputs(services, lease, { spec: record.job.spec, outputNames: record.outputs.map((output) => output.name) }, request.outputs);
  }
  const outcome = await completeTask(services.db, lease, { files: request.files, outputs, notices: request.notices });
  if (outcome.kind !== 'ok') return outcome;
  const job = await refreshSplitProgress(services.db, lease.jobId);
  if (job) services.jobListener.announce(job);
  return { kind: 'ok' };
}

/**
 * The stitch ends the job with the ordinary `complete`: its outputs (the split ones, under its lease)
 * plus the AUDIO task's (under the audio lease) and notices, in one completion guarded by its lease.
 */
export async function completeStitchForWorker(services: ProtocolServices, lease: Lease, report: CompleteReport): Promise<CallOutcome> {
  const audio = (await readDoneTasks(services.db, lease.jobId)).find((task) => task.kind === 'AUDIO');
  return completeForWorker(services, lease, report, {
    check: async () => {
      const checked = await touchTaskLease(services.db, { ...lease, leaseMs: services.config.leaseMs });
      if (checked.kind === 'ok' && checked.task.kind !== 'STITCH') throw new WorkerCallError(400, 'Only the stitch completes a split job');
      return checked;
    },
    inherited: (audio?.outputs ?? []) as CompletedOutput[],
    notices: audio?.notices ?? [],
    guard: taskLeaseGuard(lease.leaseId, sql`job_tasks.kind = 'STITCH'`),
    fail: (failure) => failJobForTask(services.db, lease, failure).then(finished(services)),
  });
}

/** A task's failure: retried alone while it may be, else the job FAILED (every other task canceled). */
export async function failTaskForWorker(services: ProtocolServices, lease: Lease, failure: Failure): Promise<CallOutcome> {
  return finished(services)(await failTask(services.db, lease, failure, { maxAttempts: services.config.maxAttempts, retryBaseMs: services.config.retryBaseMs }));
}

/** A task's worker shuts down: the task QUEUED again at once, the attempt not counted. */
export async function releaseTaskForWorker(services: ProtocolServices, lease: Lease): Promise<CallOutcome> {
  return (await requeueTaskUncounted(services.db, lease)) ? { kind: 'ok' } : taskLeaseProblem(services.db, lease);
}

/** Counts a job a task's worker brought to a terminal status. */
function finished(services: ProtocolServices) {
  return (outcome: TaskCallOutcome): CallOutcome => {
    if (outcome.kind === 'ok' && outcome.job && (outcome.job.status === 'COMPLETED' || outcome.job.status === 'FAILED')) services.telemetry.jobFinished(outcome.job);
    return outcome.kind === 'ok' ? { kind: 'ok' } : outcome;
  };
}

function taskFileKey(lease: Lease, relativePath: string): string {
  if (relativePath.split('/').includes('..')) throw new WorkerCallError(400, `Path escapes the job: ${relativePath}`);
  return attemptOutputKey(lease.jobId, lease.leaseId, relativePath);
}
