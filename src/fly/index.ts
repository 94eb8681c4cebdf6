/**
 * Fly Machines: the API client, its error predicates and wire types (defined in
 * `protocol/fly-machines.ts`, shared with the emulator), and the worker-pool scheduler built on them.
 * The local emulator is the top-level `emulator/` package, loaded only by the local stack
 * (`src/local-emulator.ts`) and left out of the production bundle.
 */
export { createFlyClient, FLY_API_URL, type FlyClientOptions } from './client.js';
export * from './client-types.js';
export type { CreateReconcileOptions } from './create-machine.js';
export { formatDuration, parseDuration } from '../../protocol/fly-duration.js';
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
export { FLY_RATE_LIMITS, type FlyAction, type RateLimit, type RateLimits } from '../../protocol/fly-rate-limits.js';
export type * from '../../protocol/fly-machines.js';
export { MACHINE_STATES, SETTLED_STATES } from '../../protocol/fly-machines.js';
export { ulid } from '../../protocol/ulid.js';
export type { FlyCall, FlyCallOutcome } from './transport.js';
export {
  buildWorkerConfig,
  POOL_METADATA_KEY,
  POOL_NAME,
  type Scheduler,
  type SchedulerOptions,
  startScheduler,
  type WorkerMachine,
} from './scheduler/index.js';
