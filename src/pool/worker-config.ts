/**
 * The config of every worker machine, and the version that tells a current machine from a stale one.
 * A stopped machine keeps the config it was created with (a start takes no body), so a machine whose
 * version differs from the current one runs an old image, size, API address or credential and is
 * replaced rather than started.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import type { Machine, MachineConfig } from '../../protocol/fly-machines.js';
import { toGuestConfig, type WorkerGuest } from '../fly/guest.js';

/** Metadata key marking pool membership (the list filter); its value is {@link POOL_NAME}. */
export const POOL_METADATA_KEY = 'ffly_pool';
export const POOL_NAME = 'transcoder';
/** Metadata key holding {@link WorkerConfig.version}. */
export const VERSION_METADATA_KEY = 'ffly_config_version';

/** The worker gets SIGTERM and hands its job back within 5 s; the rest is margin before Fly's SIGKILL. */
const STOP_TIMEOUT = '10s';

export interface WorkerConfigInput {
  image: string;
  guest: WorkerGuest;
  /** Root filesystem size in GB (`FLY_WORKER_ROOTFS_GB`; see `worker-disk.ts`). */
  rootfsGb: number;
  /** Where workers reach the API: `WORKER_API_URL`, else this instance's own URL. */
  apiUrl: string;
  /** The machine credential (claims only); see `src/workers/credentials.ts`. */
  credential: string;
  idleMs: number;
}

export interface WorkerConfig {
  config: MachineConfig;
  /** A digest of everything in `config` but the metadata that carries it. */
  version: string;
}

/** The config every pool machine is created with, and its version. */
export function buildWorkerConfig(input: WorkerConfigInput): WorkerConfig {
  const base: MachineConfig = {
    image: input.image,
    guest: toGuestConfig(input.guest),
    // Sources and outputs live on the root filesystem while a job runs; Fly's default 8 GB is too small.
    rootfs: { size_gb: input.rootfsGb },
    // The worker exits 0 when idle: policy `no` leaves the machine stopped, ready to be started again.
    restart: { policy: 'no' },
    auto_destroy: false,
    stop_config: { signal: 'SIGTERM', timeout: STOP_TIMEOUT },
    env: { API_URL: input.apiUrl, WORKER_TOKEN: input.credential, WORKER_IDLE_MS: String(input.idleMs) },
  };
  // The credential is hashed in too: a new signing key must retire machines holding the old one.
  // A truncated SHA-256 reveals nothing usable about it.
  const version = createHash('sha256').update(canonicalJson(base)).digest('hex').slice(0, 16);
  return { config: { ...base, metadata: { [POOL_METADATA_KEY]: POOL_NAME, [VERSION_METADATA_KEY]: version } }, version };
}

/** The version a machine was created with; undefined for a summary listing without config. */
export function machineVersion(machine: Pick<Machine, 'config'>): string | undefined {
  return machine.config?.metadata?.[VERSION_METADATA_KEY];
}
