/**
 * The Fly Machines API client alone: the client, its error predicates and wire types. It imports
 * nothing of the application; the worker pool that uses it lives in `src/pool/`.
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
export { defaultMemoryMb, guestProblems, toGuestConfig, type WorkerGuest } from './guest.js';
