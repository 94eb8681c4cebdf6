import type { ApiClient } from '../client/api-client.js';
import type { JobStatus } from '../client/generated/graphql.js';
import { listJobs } from '../client/jobs.js';
import { formatTable } from './format.js';
import { UsageError } from './usage-error.js';

const STATUSES: readonly JobStatus[] = ['AWAITING_UPLOAD', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'];

export interface ListJobsOptions {
  /** Comma-separated statuses, any case. */
  status?: string;
  limit: string;
  json?: boolean;
}

/** `ffly jobs`: the newest jobs as a table (or JSON lines with --json). */
export async function listJobsCommand(client: ApiClient, options: ListJobsOptions): Promise<number> {
  const first = Number(options.limit);
  if (!Number.isInteger(first) || first < 1 || first > 100) throw new UsageError(`--limit "${options.limit}": expected a number from 1 to 100`);
  const statuses = options.status?.split(',').map((text) => {
    const status = text.trim().toUpperCase() as JobStatus;
    if (!STATUSES.includes(status)) throw new UsageError(`--status "${text}": expected one of ${STATUSES.join(', ')}`);
    return status;
  });

  const jobs = await listJobs(client, { first, ...(statuses ? { statuses } : {}) });
  if (options.json) {
    for (const job of jobs) process.stdout.write(`${JSON.stringify(job)}\n`);
    return 0;
  }
  if (jobs.length === 0) {
    process.stderr.write('No jobs\n');
    return 0;
  }
  const rows = jobs.map((job) => [
    job.id,
    job.status,
    job.progress ? `${Math.floor(job.progress.percent)}%` : '-',
    job.createdAt.replace('T', ' ').slice(0, 19),
    job.outputs.map((output) => output.name).join(','),
    job.source.filename,
  ]);
  process.stdout.write(`${formatTable([['ID', 'STATUS', 'DONE', 'CREATED (UTC)', 'OUTPUTS', 'SOURCE'], ...rows])}\n`);
  return 0;
}
