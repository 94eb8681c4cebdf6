/**
 * The one reader of "a job with its outputs": GraphQL (queries and subscriptions), webhooks, the HLS
 * route and the worker protocol all read jobs through these, so every one of them sees the outputs of
 * the attempt that completed and nothing else.
 */
export { findCompletedOutputKey, findJob, listJobs, loadJobRecord, readDemand, readMachineSeconds, type Demand, type JobRecord, type ListJobsOptions } from './sql/read-jobs.js';
export { jobRecordLoader, type JobRecordLoader } from './sql/record-loader.js';
