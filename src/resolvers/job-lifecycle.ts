/**
 * The Job fields and the mutation about a job's life rather than its media: metadata, expiry, what it
 * cost, and deleting it.
 */
import { builder } from '../graphql/builder.js';
import { deleteJob, type DeletedJob } from '../jobs/delete-job.js';
import { NotFoundError } from '../jobs/errors.js';
import { readMachineSeconds } from '../jobs/reader.js';
import { encodeGlobalId } from '../jobs/global-id.js';
import { machinePricePerSecondUsd } from '../pricing/fly-machine-prices.js';
import { JobRef, parseJobId } from './job.js';

interface JobUsageShape {
  machineSeconds: number;
  estimatedCostUsd: number | null;
}

const JobUsageRef = builder.objectRef<JobUsageShape>('JobUsage').implement({
  description: 'Compute a job used, over all its attempts (and parts).',
  fields: (t) => ({
    machineSeconds: t.exposeFloat('machineSeconds', { description: 'Summed over the machines that worked on the job, from claim to the end of each lease.' }),
    estimatedCostUsd: t.exposeFloat('estimatedCostUsd', {
      nullable: true,
      description: "At Fly's list price for the worker machines' size (src/pricing/fly-machine-prices.ts); excludes storage and transfer.",
    }),
  }),
});

builder.objectFields(JobRef, (t) => ({
  metadata: t.field({
    type: 'JSONObject',
    nullable: true,
    description: 'The labels given at createJob; also sent in webhooks.',
    resolve: ({ job }) => job.metadata ?? null,
  }),
  expiresAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the job and all its files are deleted; null: kept.',
    resolve: ({ job }) => job.expiresAt,
  }),
  usage: t.field({
    type: JobUsageRef,
    nullable: true,
    description: 'Compute used over all attempts and parts; null until the job has run.',
    resolve: async ({ job }, _args, { services }) => {
      const seconds = (await readMachineSeconds(services.db, [job.id])).get(job.id);
      if (seconds === undefined) return null;
      return { machineSeconds: seconds, estimatedCostUsd: seconds * machinePricePerSecondUsd(services.config.fly.workerGuest) };
    },
  }),
}));

const DeletedJobRef = builder.objectRef<DeletedJob>('DeletedJob').implement({
  description: 'A job that was deleted, with everything it held.',
  fields: (t) => ({
    id: t.id({ resolve: ({ id }) => encodeGlobalId('Job', id) }),
  }),
});

builder.mutationField('deleteJob', (t) =>
  t.field({
    type: DeletedJobRef,
    description:
      'Any status (a running job is canceled first); the job, its history, its source and outputs are gone from the database and the store; job(id) is null afterwards.',
    errors: { types: [NotFoundError], union: { name: 'DeleteJobResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { services, viewer }) => {
      const jobId = parseJobId(String(id));
      if (!jobId) throw new NotFoundError('No job with this id');
      const result = await deleteJob(services, viewer.tenantId, jobId);
      if (result instanceof Error) throw result;
      return result;
    },
  }),
);
