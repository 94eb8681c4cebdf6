import type { Job, JobOutput } from '../db/schema.js';
import type { ObjectStore } from '../storage/object-store.js';
import { STORYBOARD_VTT_FILE, WEBVTT_CONTENT_TYPE } from '../../protocol/job-spec.js';
import { signHlsToken } from './hls-links.js';
import { signStoryboardToken } from './storyboard-links.js';

export interface OutputUrlContext {
  store: ObjectStore;
  signingKey: Buffer;
  /** Where clients reach this API (for the HLS route), e.g. "https://ffly.example.com". */
  publicUrl: string;
  ttlSeconds: number;
}

/**
 * A fresh, short-lived download URL, minted on every read and never stored: null unless the job is
 * COMPLETED (a canceled or failed job never serves outputs). An HLS rendition's URL is the signed
 * master playlist route, whose every URI resolves as is; a storyboard's is the signed WebVTT route,
 * whose every cue's sheet URI resolves as is.
 */
export async function mintOutputUrl(context: OutputUrlContext, job: Job, output: JobOutput): Promise<string | null> {
  if (job.status !== 'COMPLETED' || output.skippedReason !== null || output.sizeBytes === null) return null;
  if (output.contentType === 'application/vnd.apple.mpegurl') {
    const token = signHlsToken(context.signingKey, {
      jobId: job.id,
      outputName: output.name,
      expiresAt: Date.now() + context.ttlSeconds * 1000,
    });
    const master = output.key.split('/').pop()!;
    return `${context.publicUrl}/hls/${token}/${master}`;
  }
  if (output.contentType === WEBVTT_CONTENT_TYPE) {
    const token = signStoryboardToken(context.signingKey, {
      jobId: job.id,
      outputName: output.name,
      expiresAt: Date.now() + context.ttlSeconds * 1000,
    });
    return `${context.publicUrl}/storyboards/${token}/${STORYBOARD_VTT_FILE}`;
  }
  const extension = output.key.split('.').pop();
  const { url } = await context.store.presignGet(output.key, {
    expiresInSeconds: context.ttlSeconds,
    downloadName: `${baseName(job.sourceFilename)}-${output.name}.${extension}`,
  });
  return url;
}

function baseName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? 'output';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
