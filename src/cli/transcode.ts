import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import { contentTypeForFile } from '../client/content-types.js';
import { JobRequestError } from '../client/errors.js';
import { cancelJob, createJob, startJob } from '../client/jobs.js';
import { uploadFile } from '../client/upload.js';
import { createTransferBar } from './bars.js';
import { describeOutcome, downloadOutputs, followJob } from './follow.js';
import { parseOutputSpecs } from './output-specs.js';
import { UsageError } from './usage-error.js';

export interface TranscodeOptions {
  audio: string[];
  video: string[];
  out: string;
  /** Overrides the media type guessed from the file's extension. */
  contentType?: string;
}

/**
 * `ffly transcode`: create the job, upload the file, start it, follow it live, download every
 * output into `out`. Prints the local paths on stdout; resolves with the exit code.
 */
export async function transcode(client: ApiClient, file: string, options: TranscodeOptions): Promise<number> {
  const outputs = parseOutputSpecs(options.audio, options.video);
  const size = await stat(file).catch(() => null);
  if (!size?.isFile()) throw new UsageError(`${file}: no such file`);
  if (size.size === 0) throw new UsageError(`${file}: the file is empty`);

  const job = await createJob(client, {
    source: { filename: path.basename(file), contentType: options.contentType ?? contentTypeForFile(file), sizeBytes: size.size },
    outputs: outputs.map(({ output }) => output),
  }).catch((error: unknown) => {
    throw nameTheFlag(error, outputs.map(({ flag }) => flag));
  });
  process.stderr.write(`Job ${job.id}\n`);
  if (!job.source.upload) throw new Error('The API returned no upload URL for the new job');

  const uploadBar = createTransferBar('upload', size.size);
  try {
    await uploadFile(file, job.source.upload, { onProgress: (bytes) => uploadBar.update(bytes) });
    uploadBar.stop();
    await startJob(client, job.id);
  } catch (error) {
    uploadBar.stop();
    // Best effort: a job that can never start should not linger in AWAITING_UPLOAD.
    await cancelJob(client, job.id).catch(() => {});
    throw error;
  }

  // Ctrl-C leaves the job running on the service: say how to get back to it.
  const onInterrupt = () => {
    process.stderr.write(`\nJob ${job.id} keeps running: "ffly watch ${job.id} --out ${options.out}" follows it, "ffly cancel ${job.id}" stops it\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const finished = await followJob(client, job.id).finally(() => process.off('SIGINT', onInterrupt));
  if (finished.status !== 'COMPLETED') {
    process.stderr.write(`${describeOutcome(finished)}\n`);
    return 1;
  }
  for (const local of await downloadOutputs(finished, options.out)) process.stdout.write(`${local}\n`);
  return 0;
}

/** A ValidationError on "input.outputs.<n>..." names the flag that produced output n. */
function nameTheFlag(error: unknown, flags: readonly string[]): unknown {
  if (!(error instanceof JobRequestError) || !error.field) return error;
  const index = /^input\.outputs\.(\d+)/.exec(error.field)?.[1];
  const flag = index === undefined ? undefined : flags[Number(index)];
  return flag ? new JobRequestError(error.typename, `${flag}: ${error.message}`) : error;
}
