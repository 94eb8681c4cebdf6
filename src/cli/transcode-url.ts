import type { ApiClient } from '../client/api-client.js';
import { createJob } from '../client/jobs.js';
import { describeOutcome, downloadOutputs, followJob } from './follow.js';
import { onInterrupt, shellQuote } from './interrupt.js';
import { parseOutputSpecs } from './output-specs.js';
import { rejectedFlagError } from './rejected-flag.js';
import type { TranscodeOptions } from './transcode-options.js';

/** True when `ffly transcode`'s argument is a URL for the service to fetch rather than a local file. */
export function isSourceUrl(argument: string): boolean {
  return /^https?:\/\//i.test(argument);
}

/**
 * `ffly transcode <url>`: a job whose source the service fetches (nothing is uploaded from here; the
 * job is QUEUED at once), followed live (the bar shows FETCHING first) and downloaded into `out`.
 */
export async function transcodeUrl(client: ApiClient, url: string, options: TranscodeOptions): Promise<number> {
  const outputs = parseOutputSpecs(options.audio, options.video);
  const job = await createJob(client, {
    source: { url, ...(options.contentType ? { contentType: options.contentType } : {}) },
    outputs: outputs.map(({ output }) => output),
  }).catch((error: unknown) => {
    throw rejectedFlagError(error, { outputFlags: outputs.map(({ flag }) => flag), file: url, contentType: options.contentType });
  });
  process.stderr.write(`Job ${job.id}\n`);
  const watchCommand = `ffly watch ${job.id} --out ${shellQuote(options.out)}`;
  const stopListening = onInterrupt(() => `Job ${job.id} keeps running.\n  follow it:  ${watchCommand}\n  stop it:    ffly cancel ${job.id}`);
  try {
    const finished = await followJob(client, job.id);
    if (finished.status !== 'COMPLETED') {
      process.stderr.write(`${describeOutcome(finished)}\n`);
      return 1;
    }
    for (const local of await downloadOutputs(finished, options.out)) process.stdout.write(`${local}\n`);
    return 0;
  } finally {
    stopListening();
  }
}
