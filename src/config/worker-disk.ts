/**
 * The worker machine's root filesystem. A worker downloads the whole source and writes every output
 * onto it before uploading, and Fly's default root filesystem is 8 GB: a multi-GB source would fail
 * with ENOSPC mid-job. So the machine config asks for `rootfs.size_gb` sized to the largest source
 * the deployment accepts (`MAX_UPLOAD_BYTES`), unless `FLY_WORKER_ROOTFS_GB` says otherwise; the worker
 * itself refuses a job that would not fit, before downloading it (`protocol/disk-budget.ts`).
 */

const GIB = 1024 ** 3;
/** Fly's root filesystem when the config names no size. */
export const FLY_DEFAULT_ROOTFS_GB = 8;
/** The unpacked worker image (Debian, ffmpeg, Node: about 1 GB) plus scratch space. */
const HEADROOM_GB = 2;
/** A sanity bound for the setting, not a documented Fly limit (none is published). */
export const MAX_ROOTFS_GB = 2_000;

/**
 * `FLY_WORKER_ROOTFS_GB` when unset: room for the largest source, the same again for its outputs (most
 * outputs of a transcode are smaller than their source; the worker refuses the few that are not), and
 * {@link HEADROOM_GB} for the image and scratch files; never below Fly's 8 GB default.
 *
 *   size_gb = max(8, ceil(2 × MAX_UPLOAD_BYTES / 1 GiB) + 2)      50 GiB uploads (the default) → 102
 */
export function defaultRootfsGb(maxUploadBytes: number): number {
  return Math.max(FLY_DEFAULT_ROOTFS_GB, Math.ceil((2 * maxUploadBytes) / GIB) + HEADROOM_GB);
}
