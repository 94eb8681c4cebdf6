import type { ApiClient } from '../client/api-client.js';
import { describeOutcome, downloadOutputs, followJob } from './follow.js';
import { onInterrupt, shellQuote } from './interrupt.js';

/**
 * `ffly watch <id>`: a live bar until the job ends. When it completes, downloads the outputs into
 * `out` (printing the local paths), or without `out` prints each output's name and download URL.
 */
export async function watch(client: ApiClient, id: string, options: { out?: string }): Promise<number> {
  const stopListening = onInterrupt(() => `Job ${id} keeps running: "ffly watch ${id}${options.out ? ` --out ${shellQuote(options.out)}` : ''}" follows it again`);
  const job = await followJob(client, id).finally(stopListening);
  if (job.status !== 'COMPLETED') {
    process.stderr.write(`${describeOutcome(job)}\n`);
    return 1;
  }
  if (options.out) {
    for (const local of await downloadOutputs(job, options.out)) process.stdout.write(`${local}\n`);
  } else {
    for (const output of job.outputs) process.stdout.write(`${output.name}\t${output.url ?? ''}\n`);
  }
  return 0;
}
