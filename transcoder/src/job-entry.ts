/** Everything that runs claimed work, loaded as one chunk after the first claim request (job-module.ts). */
export { runJob } from './run-job.js';
export { runTask } from './tasks/run-task.js';
