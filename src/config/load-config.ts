import { isIP } from 'node:net';
import path from 'node:path';
import { defaultMemoryMb, guestProblems, type WorkerGuest } from '../fly/guest.js';
import { defaultRootfsGb, MAX_ROOTFS_GB } from './worker-disk.js';

/** Everything the API process is configured by; built only by {@link loadConfig}. */
export interface Config {
  port: number;
  host: string;
  /** Port of the workers' own listener (`/worker/v1` and `/health` only); null serves them on `port`. */
  workerPort: number | null;
  /** Refuse client requests whose `X-Forwarded-Proto` is not https (`REQUIRE_HTTPS`; on by default on Fly). */
  requireHttps: boolean;
  dataDir: string;
  /** External PostgreSQL; null starts the embedded one in `dataDir`. */
  databaseUrl: string | null;
  /** True when nothing external is configured for the database ("local mode"). */
  localMode: boolean;
  s3: {
    /** External S3-compatible endpoint; null starts the embedded store in `dataDir`. */
    endpoint: string | null;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
  };
  fly: {
    /** Null uses the local Machines emulator. */
    apiToken: string | null;
    apiUrl: string | null;
    workerApp: string;
    workerImage: string;
    region: string | null;
    /** Size of every worker machine (`FLY_WORKER_CPU_KIND`, `FLY_WORKER_CPUS`, `FLY_WORKER_MEMORY_MB`). */
    workerGuest: WorkerGuest;
    /** Root filesystem of every worker machine in GB (`FLY_WORKER_ROOTFS_GB`, default from `MAX_UPLOAD_BYTES`). */
    workerRootfsGb: number;
    /**
     * The `FLY_EMULATOR_*` variables as given, for the emulator the local stack starts when there is no
     * Fly token. Passed along unread: the emulator parses (and refuses) them itself.
     */
    emulatorEnv: Record<string, string>;
  };
  /** Where clients reach the API (base of signed HLS links); null derives it from each request. */
  publicUrl: string | null;
  /** URL workers use to reach the API; null means this instance's own URL. */
  workerApiUrl: string | null;
  maxMachines: number;
  workerIdleMs: number;
  /** Null: no key needed (only while bound to loopback). */
  apiKeys: string[] | null;
  /** Browser origins granted CORS (`CORS_ORIGINS`); empty: same origin only. */
  corsOrigins: string[];
  /** Most jobs one tenant may have RUNNING at once (`TENANT_MAX_RUNNING`); null: no cap. */
  tenantMaxRunning: number | null;
  /** Keys that may also see operator data (`ADMIN_API_KEYS`), each a tenant too; null: unset. */
  adminApiKeys: string[] | null;
  /** Port of the Prometheus metrics listener (`METRICS_PORT`, bound to `host`); null: none. */
  metricsPort: number | null;
  /** Most jobs one tenant may have AWAITING_UPLOAD at once (`MAX_PENDING_UPLOADS`). */
  maxPendingUploads: number;
  /** Running on Fly (`FLY_APP_NAME` set): Fly's proxy sets `Fly-Client-IP`, the client's real address. */
  behindFlyProxy: boolean;
  webhookSecret: string | null;
  webhookAllowPrivate: boolean;
  /** Deadline of one webhook attempt, from connecting to reading the response. */
  webhookTimeoutMs: number;
  /** First webhook retry delay; doubles per attempt (each delay capped at 6 h), with jitter. */
  webhookRetryBaseMs: number;
  /** Retry window: no attempt is made later than this after the event; then the delivery FAILED. */
  webhookMaxRetrySeconds: number;
  maxUploadBytes: number;
  /** URL sources may reach loopback, private, link-local, metadata and Fly 6PN addresses (`INGEST_ALLOW_PRIVATE`). */
  ingestAllowPrivate: boolean;
  /** A URL source's connection must be made within this (`INGEST_CONNECT_TIMEOUT_MS`). */
  ingestConnectTimeoutMs: number;
  /** A URL source that sends nothing for this long is given up (`INGEST_IDLE_TIMEOUT_MS`). */
  ingestIdleTimeoutMs: number;
  /** Default lifetime of a job (`RETENTION_S`): deleted with its files after `createdAt + this`; null keeps jobs. */
  retentionSeconds: number | null;
  /** How long events and webhook attempts of finished jobs are kept (`HISTORY_RETENTION_S`, default 30 days). */
  historyRetentionSeconds: number;
  /**
   * Grace after an upload window closed (`ABANDONED_UPLOAD_S`, default 1 day): then an AWAITING_UPLOAD
   * job is deleted, and a multipart upload begun this long ago that no job owns is aborted.
   */
  abandonedUploadSeconds: number;
  /** Pause between passes of the maintenance loop (`MAINTENANCE_INTERVAL_MS`, default 1 minute). */
  maintenanceIntervalMs: number;
  uploadUrlTtlSeconds: number;
  /** Preferred part size of a multipart upload (`UPLOAD_PART_BYTES`); bigger when the source needs it to fit 10,000 parts. */
  uploadPartBytes: number;
  /** How long a multipart upload may take, from createJob (`MULTIPART_UPLOAD_TTL_S`). */
  multipartUploadTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  leaseMs: number;
  maxAttempts: number;
  /** First retry delay after a lost worker; doubles per attempt, with jitter. */
  retryBaseMs: number;
  stallMs: number;
  maxDurationSeconds: number;
  /**
   * `SPLIT_MIN_SECONDS`: a job with WEB_OPTIMIZED or HLS outputs whose source lasts at least this long is
   * transcoded in parts on several machines at once (issue 18); 0 turns splitting off.
   */
  splitMinSeconds: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const GIB = 1024 ** 3;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration from an environment, pure: it collects every problem and throws one
 * {@link ConfigError} naming each bad variable, so a bad deploy fails at start with the whole list.
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = createReader(env, problems);

  const host = read.string('HOST', '127.0.0.1');
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const s3Endpoint = read.url('S3_ENDPOINT', ['http:', 'https:']);
  const flyApiToken = read.optional('FLY_API_TOKEN');
  const localMode = databaseUrl === null;

  const apiKeys = read.list('API_KEYS');
  if (apiKeys !== null && apiKeys.length === 0) {
    problems.push('API_KEYS: lists no key; unset it or give comma-separated keys');
  } else if (apiKeys !== null) {
    for (const key of apiKeys) {
      if (key.length < 16 || /\s/.test(key)) {
        problems.push('API_KEYS: every key must be at least 16 characters with no spaces');
        break;
      }
    }
    if (new Set(apiKeys).size !== apiKeys.length) problems.push('API_KEYS: a key is listed twice');
  } else if (!isLoopback(host)) {
    problems.push(`API_KEYS: must be set when HOST (${host}) is not a loopback address; without keys anyone who reaches the server could use it`);
  }

  const adminApiKeys = read.list('ADMIN_API_KEYS');
  if (adminApiKeys !== null) {
    if (apiKeys === null) problems.push('ADMIN_API_KEYS: only means something with API_KEYS set (without API_KEYS everyone sees operator data)');
    if (adminApiKeys.some((key) => key.length < 16 || /\s/.test(key))) problems.push('ADMIN_API_KEYS: every key must be at least 16 characters with no spaces');
  }

  const corsOrigins = (read.list('CORS_ORIGINS') ?? []).map((origin) => {
    const parsed = URL.canParse(origin) ? new URL(origin) : null;
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, '')) {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path)`);
    }
    return parsed?.origin ?? origin;
  });

  const webhookSecret = read.optional('WEBHOOK_SECRET');
  if (webhookSecret !== null && !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(webhookSecret)) {
    problems.push('WEBHOOK_SECRET: must be "whsec_" followed by base64 (a Standard Webhooks secret)');
  }

  const accessKeyId = read.optional('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read.optional('AWS_SECRET_ACCESS_KEY');
  if (s3Endpoint !== null && (accessKeyId === null || secretAccessKey === null)) {
    problems.push('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: both are required when S3_ENDPOINT is set');
  }

  const workerApp = read.string('FLY_WORKER_APP', 'ffly-worker');
  const workerImage = read.string('FLY_WORKER_IMAGE', 'ffly-transcoder:local');
  const flyApiUrl = read.url('FLY_API_URL', ['http:', 'https:']);
  // A token for a local emulator (`npm run fly:emulator`) needs no worker app or image: its machines run the local transcoder.
  if (flyApiToken !== null && !(flyApiUrl !== null && isLoopbackUrl(flyApiUrl))) {
    if (env.FLY_WORKER_APP === undefined) problems.push('FLY_WORKER_APP: required when FLY_API_TOKEN is set');
    if (env.FLY_WORKER_IMAGE === undefined) problems.push('FLY_WORKER_IMAGE: required when FLY_API_TOKEN is set');
  }
  const workerApiUrl = read.url('WORKER_API_URL', ['http:', 'https:']);
  const workerUrlProblem = workerApiUrlProblem(workerApiUrl, flyApiToken !== null, read.optional('FLY_API_URL'));
  if (workerUrlProblem) problems.push(`WORKER_API_URL: ${workerUrlProblem}`);

  const cpuKind = read.oneOf('FLY_WORKER_CPU_KIND', 'performance', ['shared', 'performance']) as WorkerGuest['cpuKind'];
  const cpus = read.integer('FLY_WORKER_CPUS', 2, 1, 128);
  const workerGuest: WorkerGuest = { cpuKind, cpus, memoryMb: read.integer('FLY_WORKER_MEMORY_MB', defaultMemoryMb(cpuKind, cpus), 256, 1_048_576) };
  for (const problem of guestProblems(workerGuest)) problems.push(`FLY_WORKER_CPU_KIND, FLY_WORKER_CPUS, FLY_WORKER_MEMORY_MB: ${problem}`);

  const maxUploadBytes = read.integer('MAX_UPLOAD_BYTES', 50 * GIB, 1, Number.MAX_SAFE_INTEGER);
  const workerRootfsGb = read.integer('FLY_WORKER_ROOTFS_GB', Math.min(defaultRootfsGb(maxUploadBytes), MAX_ROOTFS_GB), 1, MAX_ROOTFS_GB);

  const port = read.integer('PORT', 4000, 0, 65_535);
  const workerPort = read.optional('WORKER_PORT') === null ? null : read.integer('WORKER_PORT', 0, 0, 65_535);
  if (workerPort !== null && workerPort !== 0 && workerPort === port) problems.push(`WORKER_PORT: must differ from PORT (${port})`);

  const config: Config = {
    port,
    host,
    workerPort,
    // Fly sets FLY_APP_NAME in every machine: there, TLS ends at the proxy and the header says how the client came.
    requireHttps: read.boolean('REQUIRE_HTTPS', read.optional('FLY_APP_NAME') !== null),
    dataDir: path.resolve(read.string('DATA_DIR', './.data')),
    databaseUrl,
    localMode,
    s3: {
      endpoint: s3Endpoint,
      bucket: read.matching('S3_BUCKET', 'ffly', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a valid bucket name'),
      region: read.string('S3_REGION', s3Endpoint === null ? 'us-east-1' : 'auto'),
      accessKeyId: accessKeyId ?? 'S3RVER',
      secretAccessKey: secretAccessKey ?? 'S3RVER',
      forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', true),
    },
    fly: {
      apiToken: flyApiToken,
      apiUrl: flyApiUrl,
      workerApp,
      workerImage,
      region: read.optional('FLY_REGION'),
      workerGuest,
      workerRootfsGb,
      emulatorEnv: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('FLY_EMULATOR_') && entry[1] !== undefined)),
    },
    publicUrl: read.url('PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '') ?? null,
    workerApiUrl,
    maxMachines: read.integer('MAX_MACHINES', 2, 0, 1000),
    workerIdleMs: read.integer('WORKER_IDLE_MS', 10_000, 0, 86_400_000),
    apiKeys,
    corsOrigins,
    tenantMaxRunning: read.optional('TENANT_MAX_RUNNING') === null ? null : read.integer('TENANT_MAX_RUNNING', 1, 1, 1_000_000),
    adminApiKeys,
    metricsPort: read.optional('METRICS_PORT') === null ? null : read.integer('METRICS_PORT', 0, 0, 65_535),
    maxPendingUploads: read.integer('MAX_PENDING_UPLOADS', 100, 1, 1_000_000),
    behindFlyProxy: read.optional('FLY_APP_NAME') !== null,
    webhookSecret,
    webhookAllowPrivate: read.boolean('WEBHOOK_ALLOW_PRIVATE', localMode),
    webhookTimeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookRetryBaseMs: read.integer('WEBHOOK_RETRY_BASE_MS', 5_000, 10, 3_600_000),
    webhookMaxRetrySeconds: read.integer('WEBHOOK_MAX_RETRY_S', 86_400, 0, 7 * 86_400),
    maxUploadBytes,
    ingestAllowPrivate: read.boolean('INGEST_ALLOW_PRIVATE', localMode),
    ingestConnectTimeoutMs: read.integer('INGEST_CONNECT_TIMEOUT_MS', 10_000, 100, 300_000),
    ingestIdleTimeoutMs: read.integer('INGEST_IDLE_TIMEOUT_MS', 30_000, 100, 600_000),
    retentionSeconds: read.optional('RETENTION_S') === null ? null : read.integer('RETENTION_S', 0, 1, 100 * 365 * 86_400),
    historyRetentionSeconds: read.integer('HISTORY_RETENTION_S', 30 * 86_400, 0, 100 * 365 * 86_400),
    abandonedUploadSeconds: read.integer('ABANDONED_UPLOAD_S', 86_400, 0, 365 * 86_400),
    maintenanceIntervalMs: read.integer('MAINTENANCE_INTERVAL_MS', 60_000, 50, 86_400_000),
    uploadUrlTtlSeconds: read.integer('UPLOAD_URL_TTL_S', 900, 1, 7 * 86_400),
    // S3's bounds for a part: at least 5 MiB (all but the last), at most 5 GiB.
    uploadPartBytes: read.integer('UPLOAD_PART_BYTES', 16 * 1024 ** 2, 5 * 1024 ** 2, 5 * GIB),
    multipartUploadTtlSeconds: read.integer('MULTIPART_UPLOAD_TTL_S', 86_400, 60, 7 * 86_400),
    downloadUrlTtlSeconds: read.integer('DOWNLOAD_URL_TTL_S', 3600, 1, 7 * 86_400),
    leaseMs: read.integer('LEASE_MS', 30_000, 1_000, 3_600_000),
    maxAttempts: read.integer('MAX_ATTEMPTS', 3, 1, 100),
    retryBaseMs: read.integer('RETRY_BASE_MS', 5_000, 0, 3_600_000),
    stallMs: read.integer('STALL_MS', 60_000, 1_000, 3_600_000),
    maxDurationSeconds: read.integer('MAX_DURATION_S', 4 * 3600, 1, 7 * 86_400),
    splitMinSeconds: read.integer('SPLIT_MIN_SECONDS', 600, 0, 7 * 86_400),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '0', '[0:0:0:0:0:0:0:0]']);

/**
 * Workers run on other machines: they can reach neither a wildcard listen address nor, on Fly, this
 * instance's own URL (which changes with every leader). So with `FLY_API_TOKEN` the URL is required,
 * except when `FLY_API_URL` is a loopback emulator shared by local instances (contract: "the
 * emulator's token as FLY_API_TOKEN"), whose machines are local processes that reach a loopback URL.
 */
function workerApiUrlProblem(workerApiUrl: string | null, withFlyToken: boolean, flyApiUrl: string | null): string | null {
  if (workerApiUrl !== null) {
    const host = new URL(workerApiUrl).hostname;
    return WILDCARD_HOSTS.has(host) ? `"${host}" is a wildcard listen address no worker can connect to; give the address workers reach the API at (on Fly, http://<api-app>.flycast)` : null;
  }
  if (!withFlyToken) return null;
  if (flyApiUrl !== null && URL.canParse(flyApiUrl) && isLoopback(new URL(flyApiUrl).hostname)) return null;
  return 'required when FLY_API_TOKEN is set: the URL worker machines reach the API at (on Fly, http://<api-app>.flycast), not this instance\'s own listen address';
}

/** A URL workers on this machine can connect to: a wildcard listen host becomes loopback. */
export function reachableLocalUrl(url: string): string {
  const parsed = new URL(url);
  if (WILDCARD_HOSTS.has(parsed.hostname)) parsed.hostname = parsed.hostname.includes(':') ? '[::1]' : '127.0.0.1';
  return parsed.toString().replace(/\/$/, '');
}

/** True for 127.0.0.0/8, ::1 and "localhost": the addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** True for an http(s) URL whose host is a loopback address or name. */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return isLoopback(hostname.replace(/^\[|\]$/g, '')) || hostname.endsWith('.localhost');
}

function createReader(env: Env, problems: string[]) {
  const raw = (name: string): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  return {
    optional: raw,
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    matching(name: string, fallback: string, pattern: RegExp, what: string): string {
      const value = raw(name) ?? fallback;
      if (!pattern.test(value)) problems.push(`${name}: "${value}" is not ${what}`);
      return value;
    },
    oneOf(name: string, fallback: string, allowed: string[]): string {
      const value = raw(name) ?? fallback;
      if (!allowed.includes(value)) problems.push(`${name}: "${value}" must be one of ${allowed.join(', ')}`);
      return value;
    },
    integer(name: string, fallback: number, min: number, max: number): number {
      const value = raw(name);
      if (value === null) return fallback;
      const parsed = Number(value);
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        problems.push(`${name}: "${value}" must be a whole number from ${min} to ${max}`);
        return fallback;
      }
      return parsed;
    },
    boolean(name: string, fallback: boolean): boolean {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (['true', '1', 'yes'].includes(value)) return true;
      if (['false', '0', 'no'].includes(value)) return false;
      problems.push(`${name}: "${value}" must be true or false`);
      return fallback;
    },
    url(name: string, protocols: string[]): string | null {
      const value = raw(name);
      if (value === null) return null;
      try {
        const url = new URL(value);
        if (!protocols.includes(url.protocol)) throw new Error('protocol');
        return value;
      } catch {
        // Never echo the value: database and storage URLs carry passwords.
        problems.push(`${name}: not a valid ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
        return null;
      }
    },
    list(name: string): string[] | null {
      const value = raw(name);
      if (value === null) return null;
      return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    },
  };
}
