/**
 * A split job's source kept on the worker's disk between its tasks: the worker that planned the job,
 * or ran one of its tasks, usually claims another task of the same job next (parts are claimed before
 * another job's work), and downloading the whole source again was most of a part's overhead
 * (docs/bench/split.md). One source at most, in `<workDir>/.kept-source-<machine>/<jobId>-<sizeBytes>`: keyed by
 * the job and the source's size, so a source that is not the claim's is never used. Dropped when the
 * worker claims another job's work, when a task needs the disk (a download, the stitch), and on exit.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whose directory: this machine's. Several worker processes may share one WORK_DIR (a local stack's
 * "machines" on one host, the tests' workers), and one must never drop the file another is reading.
 * The machine id is stable across a Fly machine's restarts, so a restarted worker finds its own.
 */
const OWNER = (process.env.FLY_MACHINE_ID ?? `pid-${process.pid}`).replace(/[^\w.-]/g, '_');

/** The directory of the kept source (one file at most). Its name cannot be a job's (job ids are UUIDs). */
export function keptSourceDirectory(workDir: string): string {
  return path.join(workDir, `.kept-source-${OWNER}`);
}

/**
 * Keeps `file`, the complete source of `jobId`, for the job's next task: moved (same filesystem, no
 * copy), replacing whatever was kept before.
 */
export async function keepSource(workDir: string, jobId: string, file: string): Promise<string> {
  const { size } = await stat(file);
  const directory = keptSourceDirectory(workDir);
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const kept = path.join(directory, `${jobId}-${size}`);
  await rename(file, kept);
  return kept;
}

/** The kept source of `jobId` when it is there with exactly `sizeBytes`; null otherwise. */
export async function keptSource(workDir: string, jobId: string, sizeBytes: number | null): Promise<string | null> {
  if (!sizeBytes) return null;
  const file = path.join(keptSourceDirectory(workDir), `${jobId}-${sizeBytes}`);
  const stats = await stat(file).catch(() => null);
  return stats?.isFile() && stats.size === sizeBytes ? file : null;
}

/**
 * Drops the kept source, unless it is `exceptJobId`'s (null or omitted: drops it whatever it is).
 * Never throws: a file that cannot be removed is no reason to fail the work that follows.
 */
export async function dropKeptSource(workDir: string, exceptJobId: string | null = null): Promise<void> {
  const directory = keptSourceDirectory(workDir);
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    if (exceptJobId && name.startsWith(`${exceptJobId}-`)) continue;
    await rm(path.join(directory, name), { force: true }).catch(() => {});
  }
}
