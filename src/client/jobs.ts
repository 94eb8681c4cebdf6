import type { ApiClient } from './api-client.js';
import { JobRequestError } from './errors.js';
import {
  CancelJobDocument,
  CreateJobDocument,
  JobDocument,
  JobsDocument,
  JobUpdatedDocument,
  StartJobDocument,
  type CreateJobInput,
  type CreateJobMutation,
  type JobFieldsFragment,
  type JobStatus,
} from './generated/graphql.js';

/** A job as ffly's clients see it (the JobFields fragment). */
export type Job = JobFieldsFragment;
/** A freshly created job, with where to upload its source. */
export type CreatedJob = Extract<CreateJobMutation['createJob'], { __typename: 'Job' }>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELED'];

export const isTerminal = (job: Pick<Job, 'status'>): boolean => TERMINAL_STATUSES.includes(job.status);

/** Creates a job AWAITING_UPLOAD; a ValidationError comes back as a thrown JobRequestError. */
export async function createJob(client: ApiClient, input: CreateJobInput): Promise<CreatedJob> {
  const { createJob: result } = await client.request(CreateJobDocument, { input });
  if (result.__typename !== 'Job') throw new JobRequestError(result.__typename, result.message, result.field);
  return result;
}

/** AWAITING_UPLOAD -> QUEUED, once the upload is in place. */
export async function startJob(client: ApiClient, id: string): Promise<Job> {
  const { startJob: result } = await client.request(StartJobDocument, { id });
  if (result.__typename !== 'Job') {
    throw new JobRequestError(result.__typename, result.message, 'field' in result ? result.field : null);
  }
  return result;
}

/** Any non-terminal status -> CANCELED. */
export async function cancelJob(client: ApiClient, id: string): Promise<Job> {
  const { cancelJob: result } = await client.request(CancelJobDocument, { id });
  if (result.__typename !== 'Job') throw new JobRequestError(result.__typename, result.message);
  return result;
}

/** The job, or a NotFoundError when this tenant has none with this id. */
export async function getJob(client: ApiClient, id: string): Promise<Job> {
  const { job } = await client.request(JobDocument, { id });
  if (!job) throw new JobRequestError('NotFoundError', `No job with id ${id}`);
  return job;
}

/** The newest jobs first, optionally only those in `statuses`. */
export async function listJobs(client: ApiClient, options: { first?: number; statuses?: JobStatus[] } = {}): Promise<Job[]> {
  const { jobs } = await client.request(JobsDocument, { first: options.first ?? 20, status: options.statuses ?? null });
  return jobs.edges.map((edge) => edge.node);
}

/**
 * The job as it is now, then after every change, until a terminal status. Follows the
 * `jobUpdated` subscription; should the stream end early (an API instance going away for good),
 * it re-reads the job and subscribes again, so the caller always ends on a terminal job.
 */
export async function* watchJob(client: ApiClient, id: string): AsyncGenerator<Job, Job> {
  let last: Job | null = null;
  for (let round = 0; round < 5; round += 1) {
    for await (const { jobUpdated } of client.subscribe(JobUpdatedDocument, { id })) {
      last = jobUpdated;
      yield jobUpdated;
      if (isTerminal(jobUpdated)) return jobUpdated;
    }
    last = await getJob(client, id);
    if (isTerminal(last)) {
      yield last;
      return last;
    }
  }
  throw new Error(`The job's updates stopped before it finished (last status ${last?.status ?? 'unknown'})`);
}
