/**
 * Fly Machines: the API client, its error predicates and wire types, and the worker-pool scheduler
 * built on them. The local emulator lives in `./emulator/` and is imported from there (the scheduler
 * loads it lazily, only when it runs one in-process), so production code never loads it.
 */
export { createFlyClient, FLY_API_URL, type FlyClientOptions } from './client.js';
export * from './client-types.js';
export type { CreateReconcileOptions } from './create-machine.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  FlyApiError,
  FlyNetworkError,
  isCapacityError,
  isFlyApiError,
  isLeaseConflict,
  isNotFound,
  isVersionReplaced,
  isWaitTimeout,
} from './errors.js';
export { latestExit, type MachineExit } from './exit.js';
export { FlyResponseShapeError } from './parse.js';
export { FLY_RATE_LIMITS, type FlyAction, type RateLimit, type RateLimits } from './rate-limit.js';
export type * from './types.js';
export { MACHINE_STATES, SETTLED_STATES } from './types.js';
export type { FlyCall, FlyCallOutcome } from './transport.js';
export { ulid } from './ulid.js';
export {
  buildWorkerConfig,
  POOL_METADATA_KEY,
  POOL_NAME,
  type Scheduler,
  type SchedulerOptions,
  startScheduler,
  type WorkerMachine,
} from './scheduler/index.js';
