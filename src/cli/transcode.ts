import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import { contentTypeForFile } from '../client/content-types.js';
import { cancelJob, createJob, startJob } from '../client/jobs.js';
import { uploadFile } from '../client/upload.js';
import { createResumableJob, MULTIPART_ABOVE_BYTES, uploadInParts } from './resumable-upload.js';
import { createTransferBar } from './bars.js';
import { describeOutcome, downloadOutputs, followJob } from './follow.js';
import { onInterrupt, shellQuote } from './interrupt.js';
import { parseOutputSpecs } from './output-specs.js';
import { rejectedFlagError } from './rejected-flag.js';
import { isSourceUrl, transcodeUrl } from './transcode-url.js';
import type { TranscodeOptions } from './transcode-options.js';
import { UsageError } from './usage-error.js';

export type { TranscodeOptions } from './transcode-options.js';

/**
 * `ffly transcode`: create the job, upload the file, start it, follow it live, download every
 * output into `out`. Prints the local paths on stdout; resolves with the exit code.
 */
export async function transcode(client: ApiClient, file: string, options: TranscodeOptions): Promise<number> {
  if (isSourceUrl(file)) return transcodeUrl(client, file, options);
  const outputs = parseOutputSpecs(options.audio, options.video, { image: options.image, waveform: options.waveform, loudness: options.loudness });
  const size = await readableFile(file);

  const input = {
    source: { filename: path.basename(file), contentType: options.contentType ?? contentTypeForFile(file), sizeBytes: size },
    outputs: outputs.map(({ output }) => output),
  };
  // Big files go up in parts and resume: the same command run again finds its job and sends the rest.
  const inParts = size > multipartThreshold();
  const { job } = await (inParts ? createResumableJob(client, file, input) : createJob(client, input).then((created) => ({ job: created }))).catch((error: unknown) => {
    throw rejectedFlagError(error, { outputFlags: outputs.map(({ flag }) => flag), file, contentType: options.contentType });
  });
  process.stderr.write(`Job ${job.id}\n`);
  if (!inParts && !job.source.upload) throw new Error('The API returned no upload URL for the new job');

  // Ctrl-C restores the terminal and says how to get back to the job: before it starts, nothing
  // will ever run it; after, it keeps running on the service.
  let stage: 'uploading' | 'running' | 'downloading' = 'uploading';
  const watchCommand = `ffly watch ${job.id} --out ${shellQuote(options.out)}`;
  const stopListening = onInterrupt(() => {
    if (stage === 'uploading' && inParts) {
      return `Job ${job.id} was not started (the upload was interrupted); the same command run again resumes the upload, "ffly cancel ${job.id}" discards it.`;
    }
    if (stage === 'uploading') return `Job ${job.id} was not started (the upload was interrupted); "ffly cancel ${job.id}" discards it.`;
    if (stage === 'downloading') return `Job ${job.id} is complete; this downloads its outputs again:\n  ${watchCommand}`;
    return `Job ${job.id} keeps running.\n  follow it:  ${watchCommand}\n  stop it:    ffly cancel ${job.id}`;
  });
  try {
    if (inParts) {
      // An earlier run may have uploaded and started it already: then there is only following left.
      if (job.status === 'AWAITING_UPLOAD') {
        try {
          await uploadInParts(client, job, file, size);
        } catch (error) {
          // Kept (not canceled): what reached the store is reused by the next run of the same command.
          process.stderr.write(`The upload stopped; the same command run again resumes it (job ${job.id}).\n`);
          throw error;
        }
        await startJob(client, job.id);
      }
      stage = 'running';
    } else {
      const uploadBar = createTransferBar('upload', size);
      try {
        await uploadFile(file, job.source.upload!, { onProgress: (bytes) => uploadBar.update(bytes) });
        uploadBar.stop();
        await startJob(client, job.id);
        stage = 'running';
      } catch (error) {
        uploadBar.stop();
        // Best effort: a job that can never start should not linger in AWAITING_UPLOAD.
        await cancelJob(client, job.id).catch(() => {});
        throw error;
      }
    }

    const finished = await followJob(client, job.id);
    if (finished.status !== 'COMPLETED') {
      process.stderr.write(`${describeOutcome(finished)}\n`);
      return 1;
    }
    stage = 'downloading';
    for (const local of await downloadOutputs(finished, options.out)) process.stdout.write(`${local}\n`);
    return 0;
  } finally {
    stopListening();
  }
}

/** `FFLY_MULTIPART_ABOVE_BYTES` overrides the 64 MiB threshold (e.g. to try resuming on a small file). */
function multipartThreshold(): number {
  const value = Number(process.env.FFLY_MULTIPART_ABOVE_BYTES);
  return Number.isInteger(value) && value >= 0 ? value : MULTIPART_ABOVE_BYTES;
}

/** The file's size; a path that is missing, a directory, unreadable or empty is a command-line mistake. */
async function readableFile(file: string): Promise<number> {
  const found = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (found instanceof Error) {
    if (found.code === 'ENOENT' || found.code === 'ENOTDIR') throw new UsageError(`${file}: no such file`);
    throw new UsageError(`${file}: cannot read it (${found.code ?? found.message})`);
  }
  if (found.isDirectory()) throw new UsageError(`${file}: is a directory; give the path of a media file`);
  if (!found.isFile()) throw new UsageError(`${file}: not a regular file`);
  if (found.size === 0) throw new UsageError(`${file}: the file is empty`);
  return found.size;
}
