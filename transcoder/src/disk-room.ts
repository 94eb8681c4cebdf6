/**
 * The worker's check that a job fits its disk, made before the download: the machine's root filesystem
 * (`FLY_WORKER_ROOTFS_GB`) holds the source and every output until they are uploaded.
 */
import { statfs } from 'node:fs/promises';
import { diskBudget } from '../../protocol/disk-budget.js';
import type { ClaimedJob } from '../../protocol/worker-api.js';

export interface DiskRoom {
  /** Bytes the filesystem of `workDir` has free for this process. */
  freeBytes: number;
  /** What the job needs (source, planned outputs, headroom). */
  neededBytes: number;
  /** Why the job does not fit, for the person who submitted it; null when it fits. */
  refusal: string | null;
}

/** Compares the job's disk budget with the free space of `workDir`'s filesystem, less `reserveBytes`. */
export async function checkDiskRoom(job: ClaimedJob, options: { workDir: string; reserveBytes: number }): Promise<DiskRoom> {
  return diskRoomFor(job, job.source.sizeBytes ?? 0, await freeDiskBytes(options));
}

/** What the filesystem of `workDir` has free for this process, less `reserveBytes`. */
export async function freeDiskBytes(options: { workDir: string; reserveBytes: number }): Promise<number> {
  const stats = await statfs(options.workDir);
  // bavail, not bfree: the blocks an unprivileged process may actually use.
  return Math.max(0, stats.bavail * stats.bsize - options.reserveBytes);
}

/**
 * The same check for a source of `sourceBytes` against `freeBytes` measured before: a URL source is
 * checked with its Content-Length before its body, or, without one, against the bytes that arrived.
 */
export function diskRoomFor(job: ClaimedJob, sourceBytes: number, freeBytes: number): DiskRoom {
  const budget = diskBudget(job.spec, sourceBytes, job.limits.maxDurationSeconds);
  const refusal =
    budget.totalBytes <= freeBytes
      ? null
      : `This job needs about ${gb(budget.totalBytes)} of working disk (the ${gb(budget.sourceBytes)} source and about ${gb(budget.outputBytes)} of outputs), ` +
        `more than a worker has free (${gb(freeBytes)}). Request fewer or smaller outputs, or ask the operator to give workers more disk (FLY_WORKER_ROOTFS_GB).`;
  return { freeBytes, neededBytes: budget.totalBytes, refusal };
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;
}
