import type { ApiClient } from '../client/api-client.js';
import { downloadOutput } from '../client/download.js';
import { watchJob, type Job } from '../client/jobs.js';
import { createJobBar, createTransferBar, LABEL_WIDTH } from './bars.js';

/** Shows a live bar from the job's jobUpdated events, then the job's notices; resolves with the job once it is terminal. */
export async function followJob(client: ApiClient, id: string): Promise<Job> {
  const bar = createJobBar();
  let last: Job | null = null;
  try {
    for await (const job of watchJob(client, id)) {
      bar.update(job);
      last = job;
    }
  } finally {
    bar.stop();
  }
  if (!last) throw new Error(`No updates arrived for job ${id}`);
  // What the service decided that the request did not say (a quality above the source skipped, ...).
  for (const notice of last.notices) process.stderr.write(`Note: ${notice}\n`);
  return last;
}

/** Why a terminal job did not complete, for stderr: "FAILED: INPUT_UNREADABLE: ...". */
export function describeOutcome(job: Job): string {
  if (job.status === 'FAILED') return `Job ${job.id} FAILED: ${job.error?.code ?? 'UNKNOWN'}: ${job.error?.message ?? 'no reason given'}`;
  return `Job ${job.id} ended ${job.status}`;
}

/** Downloads every output of a COMPLETED job into `directory`, a bar each, and returns the local paths. */
export async function downloadOutputs(job: Job, directory: string): Promise<string[]> {
  const paths: string[] = [];
  const label = (name: string) => `download ${name}`;
  const labelWidth = Math.max(LABEL_WIDTH, ...job.outputs.map((output) => label(output.name).length));
  for (const output of job.outputs) {
    const bar = createTransferBar(label(output.name), output.sizeBytes ?? 0, { labelWidth });
    try {
      paths.push(await downloadOutput(output, directory, { onProgress: (bytes) => bar.update(bytes) }));
    } finally {
      bar.stop();
    }
  }
  return paths;
}
