/**
 * Emulator settings: the realistic defaults, the fault knobs tests turn, and the `FLY_EMULATOR_*`
 * environment variables that set the same knobs for a standalone or embedded emulator.
 */
import type { Logger } from 'pino';
import { FLY_RATE_LIMITS, type RateLimits } from '../../protocol/fly-rate-limits.js';

/** The process every machine runs, whatever its image says. */
export interface MachineCommand {
  command: string;
  args: string[];
}

/** Make the next `count` creates fail with `status`. */
export interface CreateFailure {
  count: number;
  status: 408 | 500 | 502 | 503;
  /**
   * Create the machine, then answer with the error: the ambiguous outcome a client must reconcile.
   * @default true
   */
  afterCommit?: boolean;
}

export interface FlyEmulatorOptions {
  /** Where `state.json`, each machine's root directory and its output log live. */
  dataDir: string;
  machineCommand: MachineCommand;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The region of machines created without one, and of `fly-request-id`. @default 'local' */
  region?: string;
  /** The environment every machine process starts from, under `config.env`. @default { PATH, LANG } of this process */
  baseEnv?: Record<string, string>;
  /** The image pull: paid on create and on an update that changes the image, not on start. @default 3000 */
  createDelayMs?: number;
  /** Boot time of a machine whose image is already there. @default 300 */
  startDelayMs?: number;
  /** How long an update stays in `replacing` before it acts. @default 500 */
  replaceDelayMs?: number;
  /** A new machine answers 404 (and is missing from lists) for this long: eventual consistency. @default 0 */
  notFoundWindowMs?: number;
  /** A destroyed machine is still returned, `state: "destroyed"`, for this long before it 404s. @default 30000 */
  destroyedRetentionMs?: number;
  /** 429 beyond these limits, per (action, machine) or (action, app); `false` turns them off. @default Fly's documented limits */
  rateLimits?: RateLimits | false;
  /** Fraction of requests answered with a random 502 or 503 before anything happens. @default 0 */
  failRate?: number;
  /** Fail the next creates; also settable at run time with `failNextCreates`. */
  failCreates?: CreateFailure;
  /** Images the registry no longer has: a create (or image-changing update) naming one is refused. @default [] */
  missingImages?: string[];
  /** Answer 400 to `wait?state=stopped` without a version, as older servers do. @default true */
  strictWait?: boolean;
  /** How long `close()` lets machine processes stop before SIGKILL. @default 2000 */
  shutdownGraceMs?: number;
  logger?: Logger;
  /**
   * The one API token the emulator accepts, as Fly accepts only valid tokens. Unset: one generated on
   * first start and kept in `<dataDir>/token` (mode 0600).
   */
  token?: string;
}

export type ResolvedEmulatorOptions = Required<Omit<FlyEmulatorOptions, 'failCreates' | 'logger' | 'token'>> & Pick<FlyEmulatorOptions, 'failCreates'> & { token: string };

export function resolveOptions(options: FlyEmulatorOptions & { token: string }): ResolvedEmulatorOptions {
  return {
    port: 0,
    host: '127.0.0.1',
    region: 'local',
    baseEnv: defaultBaseEnv(),
    createDelayMs: 3_000,
    startDelayMs: 300,
    replaceDelayMs: 500,
    notFoundWindowMs: 0,
    destroyedRetentionMs: 30_000,
    rateLimits: FLY_RATE_LIMITS,
    failRate: 0,
    strictWait: true,
    missingImages: [],
    shutdownGraceMs: 2_000,
    ...withoutUndefined(options),
  };
}

/** Only what a process needs to find its tools; a real machine starts from its image's env, not ours. */
function defaultBaseEnv(): Record<string, string> {
  return withoutUndefined({ PATH: process.env.PATH, LANG: process.env.LANG ?? 'C.UTF-8' }) as Record<string, string>;
}

const INTEGER_KNOBS = {
  FLY_EMULATOR_CREATE_DELAY_MS: 'createDelayMs',
  FLY_EMULATOR_START_DELAY_MS: 'startDelayMs',
  FLY_EMULATOR_REPLACE_DELAY_MS: 'replaceDelayMs',
  FLY_EMULATOR_NOT_FOUND_WINDOW_MS: 'notFoundWindowMs',
  FLY_EMULATOR_DESTROYED_RETENTION_MS: 'destroyedRetentionMs',
} as const;

/**
 * The emulator's settings from the environment (its own parsing: the API's configuration knows nothing
 * of them). Every bad variable is named in one thrown error.
 * - `FLY_EMULATOR_PORT`: the port to listen on (0: a free one)
 * - `FLY_EMULATOR_CREATE_DELAY_MS`, `_START_DELAY_MS`, `_REPLACE_DELAY_MS`, `_NOT_FOUND_WINDOW_MS`, `_DESTROYED_RETENTION_MS`: integers
 * - `FLY_EMULATOR_RATE_LIMIT`: `off`, or `<perSecond>:<burst>` for every action but get (which keeps 5:10)
 * - `FLY_EMULATOR_FAIL_RATE`: 0 to 1
 * - `FLY_EMULATOR_FAIL_CREATES`: `<count>:<status>` (408, 500, 502 or 503), the machine being created anyway
 * - `FLY_EMULATOR_STRICT_WAIT`: `false` accepts `wait?state=stopped` without a version
 * - `FLY_EMULATOR_MISSING_IMAGES`: comma-separated image references the registry no longer has
 */
export function emulatorOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<FlyEmulatorOptions> {
  const options: Partial<FlyEmulatorOptions> = {};
  const problems: string[] = [];
  const port = env.FLY_EMULATOR_PORT;
  if (port !== undefined && port !== '') {
    if (/^\d+$/.test(port) && Number(port) <= 65_535) options.port = Number(port);
    else problems.push(`FLY_EMULATOR_PORT must be a port number (0 for a free one), got "${port}"`);
  }
  for (const [name, key] of Object.entries(INTEGER_KNOBS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (/^\d+$/.test(value)) options[key] = Number(value);
    else problems.push(`${name} must be a whole number of milliseconds, got "${value}"`);
  }
  const rateLimit = env.FLY_EMULATOR_RATE_LIMIT;
  if (rateLimit === 'off') options.rateLimits = false;
  else if (rateLimit) {
    const match = /^(\d+(?:\.\d+)?):(\d+)$/.exec(rateLimit);
    if (match) options.rateLimits = { ...FLY_RATE_LIMITS, default: { perSecond: Number(match[1]), burst: Number(match[2]) } };
    else problems.push(`FLY_EMULATOR_RATE_LIMIT must be "off" or "<perSecond>:<burst>", got "${rateLimit}"`);
  }
  const failRate = env.FLY_EMULATOR_FAIL_RATE;
  if (failRate) {
    const rate = Number(failRate);
    if (rate >= 0 && rate <= 1) options.failRate = rate;
    else problems.push(`FLY_EMULATOR_FAIL_RATE must be between 0 and 1, got "${failRate}"`);
  }
  const failCreates = env.FLY_EMULATOR_FAIL_CREATES;
  if (failCreates) {
    const match = /^(\d+):(408|500|502|503)$/.exec(failCreates);
    if (match) options.failCreates = { count: Number(match[1]), status: Number(match[2]) as CreateFailure['status'] };
    else problems.push(`FLY_EMULATOR_FAIL_CREATES must be "<count>:<408|500|502|503>", got "${failCreates}"`);
  }
  const missingImages = env.FLY_EMULATOR_MISSING_IMAGES?.split(',').map((image) => image.trim()).filter((image) => image !== '');
  if (missingImages?.length) options.missingImages = missingImages;
  const strictWait = env.FLY_EMULATOR_STRICT_WAIT;
  if (strictWait === 'false' || strictWait === 'true') options.strictWait = strictWait === 'true';
  else if (strictWait) problems.push(`FLY_EMULATOR_STRICT_WAIT must be "true" or "false", got "${strictWait}"`);
  if (problems.length > 0) throw new Error(`Invalid Fly emulator settings:\n- ${problems.join('\n- ')}`);
  return options;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
