/**
 * Wire types of the Fly Machines API (`/v1/apps/{app}/machines`), in the API's own snake_case so that a
 * machine's `config` can be read, changed and sent back on update without translation. Servers add,
 * omit and null out fields over time, so everything not needed to identify a machine is optional.
 * Sources: fly.io docs (machines-resource), the 2026 OpenAPI spec and fly-go `machine_types.go`.
 */

/** Machine states seen on the wire (fly docs "Machine states"), plus `replaced` for old versions. */
export const MACHINE_STATES = [
  'created',
  'starting',
  'started',
  'stopping',
  'stopped',
  'suspending',
  'suspended',
  'replacing',
  'updating',
  'restarting',
  'destroying',
  'destroyed',
  'failed',
  'launch_failed',
  'replaced',
] as const;

export type MachineState = (typeof MACHINE_STATES)[number];

/** States a machine rests in; `wait?state=settled` returns once the machine is in one of them. */
export const SETTLED_STATES: readonly MachineState[] = ['created', 'started', 'stopped', 'suspended', 'failed', 'destroyed'];

/** States `wait` accepts: the persistent ones, plus `settled` meaning "any of SETTLED_STATES". */
export type WaitableState = 'started' | 'stopped' | 'suspended' | 'destroyed' | 'failed' | 'settled';

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'spot-price';

/** What happens when the main process exits. An unset or empty policy behaves as `on-failure`. */
export interface RestartPolicy {
  /** `""` is what servers return when no policy was set. */
  policy?: RestartPolicyName | '';
  /** Restarts allowed within 5 minutes under `on-failure`. @default 10 */
  max_retries?: number;
  gpu_bid_price?: number;
}

export type CpuKind = 'shared' | 'performance';

/** VM size. Mutually exclusive with the `size` preset name (`shared-cpu-1x`, ...). */
export interface GuestConfig {
  cpu_kind?: CpuKind;
  cpus?: number;
  memory_mb?: number;
  gpu_kind?: string;
  gpus?: number;
  kernel_args?: string[];
  persist_rootfs?: 'never' | 'always' | 'restart';
}

/** A Go duration string (`"30s"`, `"1m30s"`) or integer nanoseconds; clients should send strings. */
export type Duration = string | number;

export type StopSignal = 'SIGHUP' | 'SIGINT' | 'SIGQUIT' | 'SIGKILL' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM';

export interface StopConfig {
  /** @default 'SIGINT' */
  signal?: StopSignal;
  /** Time between the signal and the forced kill. @default '5s' */
  timeout?: Duration;
}

export interface InitConfig {
  exec?: string[];
  entrypoint?: string[];
  cmd?: string[];
  tty?: boolean;
  swap_size_mb?: number;
  kernel_args?: string[];
}

export interface MachineFile {
  guest_path: string;
  /** Base64 file content. */
  raw_value?: string;
  secret_name?: string;
  mode?: number;
}

/** The machine configuration. `image` is the only required field; updates replace it wholesale. */
export interface MachineConfig {
  image: string;
  env?: Record<string, string>;
  init?: InitConfig;
  guest?: GuestConfig;
  /** Preset size (`shared-cpu-1x`); do not combine with `guest`. */
  size?: string;
  restart?: RestartPolicy;
  /** Destroy the machine once it reaches `stopped` (never happens under policy `always`). @default false */
  auto_destroy?: boolean;
  /** Filterable on list with `metadata.{key}={value}`. */
  metadata?: Record<string, string>;
  stop_config?: StopConfig;
  files?: MachineFile[];
  /** Boot on a schedule: `hourly`, `daily`, `weekly`, `monthly`. */
  schedule?: string;
  // Not modelled further. Fields not named here at all still round-trip: parsed configs keep every key.
  services?: unknown[];
  checks?: Record<string, unknown>;
  mounts?: unknown[];
  dns?: Record<string, unknown>;
  processes?: unknown[];
  containers?: unknown[];
  /**
   * The root filesystem: `size_gb` (Fly's default is 8 GB) and whether it survives a restart. Current
   * API (fly-go `MachineRootfs`); the stored Swagger file predates it.
   */
  rootfs?: { size_gb?: number; persist?: 'never' | 'always' | 'restart' | '' };
}

export interface ImageRef {
  registry?: string;
  repository?: string;
  tag?: string;
  digest?: string;
  labels?: Record<string, string> | null;
}

/** The exit details inside an `exit` event's `request`. `exited_at` is RFC3339 in current responses. */
export interface ExitEvent {
  exit_code: number;
  requested_stop?: boolean;
  restarting?: boolean;
  oom_killed?: boolean;
  guest_exit_code?: number;
  guest_signal?: number;
  signal?: number;
  error?: string;
  guest_error?: string;
  exited_at?: string | number;
}

export type EventSource = 'user' | 'flyd' | 'proxy';

/** One entry of a machine's event log (newest first). `timestamp` is epoch milliseconds. */
export interface MachineEvent {
  id: string;
  type: string;
  status: string;
  source: EventSource | string;
  timestamp: number;
  /** Untyped on the wire; for `exit` events it carries `exit_event` and `restart_count`. */
  request?: {
    exit_event?: ExitEvent;
    restart_count?: number;
    MonitorEvent?: { exit_event?: ExitEvent };
    [field: string]: unknown;
  } | null;
}

export interface MachineCheck {
  name: string;
  status: 'passing' | 'warning' | 'critical' | string;
  output?: string;
  updated_at?: string;
}

/** A machine as GET, list, create and update return it. */
export interface Machine {
  id: string;
  name: string;
  state: MachineState | string;
  region: string;
  /** The current version (a ULID); a new one after every update. */
  instance_id: string;
  private_ip?: string;
  /** Absent from `summary=true` listings. */
  config?: MachineConfig;
  incomplete_config?: MachineConfig | null;
  image_ref?: ImageRef;
  created_at: string;
  updated_at: string;
  /** Recent events, newest first; how many is up to the server. */
  events: MachineEvent[];
  checks?: MachineCheck[];
  /** Present only on a create that asked for `lease_ttl`. */
  nonce?: string;
  host_status?: 'ok' | 'unknown' | 'unreachable' | string;
  cordoned?: boolean;
}

/** A lease, as found in the `data` field of the lease endpoints' envelope. */
export interface Lease {
  nonce: string;
  /** Epoch seconds. */
  expires_at: number;
  owner: string;
  description?: string;
  /** The machine's `instance_id` when the lease was taken. */
  version?: string;
}

/** `POST .../start` response. The generated SDKs type it void, so nothing here is guaranteed. */
export interface StartMachineResult {
  previous_state?: MachineState | string;
  migrated?: boolean;
  new_host?: string;
}

/** `GET .../wait` success body. Which fields the server fills in besides `ok` is unverified. */
export interface WaitResult {
  ok: boolean;
  state?: MachineState | string;
  version?: string;
  event_id?: string;
}
