/**
 * The worker pool (domain, beside the jobs domain): one leader across API instances keeps a pool of
 * Fly Machines sized to the queue, starting stopped machines before creating new ones, never running more than
 * `MAX_MACHINES`, replacing stale and broken machines. See `scheduler.ts` for the moving parts.
 */
export { connectFlyApi, type FlyApi } from './fly-api.js';
export { defaultMemoryMb, guestProblems, type WorkerGuest } from '../fly/guest.js';
export { isAbnormalExit, type Plan, type PlanInput, planPool } from './plan.js';
export { type PoolMachine, PoolView } from './pool-view.js';
export { createScheduler, pausedScheduler, type Scheduler, type SchedulerDeps, type SchedulerOptions, type WorkerMachine } from './scheduler.js';
export { buildWorkerConfig, POOL_METADATA_KEY, POOL_NAME, VERSION_METADATA_KEY, type WorkerConfig } from './worker-config.js';
export { isImageMissing, type WorkerImageSnapshot, WorkerImageStatus } from './worker-image.js';
export { defaultRootfsGb } from '../config/worker-disk.js';
