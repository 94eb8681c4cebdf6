import { z } from 'zod';
import { findJob, listJobs, type JobRecord } from '../jobs/reader.js';
import { builder } from '../graphql/builder.js';
import { ValidationError } from '../jobs/errors.js';
import { jobUuidOf } from '../jobs/global-id.js';
import type { GraphQLContext } from '../graphql/context.js';
import { JobStatusEnum } from './enums.js';
import { validateMetadata } from '../jobs/metadata.js';
import { JobErrorRef, JobOutputRef, JobProgressRef, JobSourceRef } from './job-parts.js';

export const JobRef = builder.objectRef<JobRecord>('Job');

/** Loads a job of the viewer's tenant by global id; another tenant's job is simply not found. */
export async function loadJobByGlobalId(context: GraphQLContext, globalId: string): Promise<JobRecord | null> {
  const id = parseJobId(globalId);
  return id ? findJob(context.services.db, context.viewer.tenantId, id) : null;
}

/** The job's uuid from its global id (short or the older base64 form), or null when malformed or another type's. */
export function parseJobId(globalId: string): string | null {
  return jobUuidOf(globalId);
}

/** Only a well-formed uuid reaches SQL: anything else would be a database error (and a 500), not a miss. */
function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

builder.node(JobRef, {
  description: 'A transcoding job: one uploaded source turned into one or more outputs.',
  id: { resolve: (record) => record.job.id },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'job' in value && 'outputs' in value,
  loadOne: (id, context) => (isUuid(id) ? findJob(context.services.db, context.viewer.tenantId, id) : null),
  fields: (t) => ({
    status: t.field({ type: JobStatusEnum, resolve: ({ job }) => job.status }),
    progress: t.field({
      type: JobProgressRef,
      nullable: true,
      description: 'Null until the job first runs.',
      resolve: ({ job }) => (job.progressPhase ? job : null),
    }),
    source: t.field({ type: JobSourceRef, resolve: ({ job }) => job }),
    outputs: t.field({
      type: [JobOutputRef],
      description:
        'One per rendition, in request order. A WEB_OPTIMIZED output gives one per quality ("<name>-<quality>"); a quality above the source is never produced (see notices).',
      resolve: ({ job, outputs }) => outputs.filter((output) => output.skippedReason === null).map((output) => ({ job, output })),
    }),
    attempts: t.int({
      description: 'Runs started so far (a retried job has more than one; a job in parts counts each retried part once more).',
      resolve: ({ job }) => job.attempts,
    }),
    machineId: t.string({ nullable: true, description: 'The Fly machine of the latest attempt (of a job in parts: of the latest part claimed).', resolve: ({ job }) => job.machineId }),
    parallelism: t.int({
      description: 'How many parts the transcode ran in at once (1: not split). A long source is cut into parts transcoded on several machines (SPLIT_MIN_SECONDS).',
      resolve: ({ job }) => job.parallelism,
    }),
    error: t.field({
      type: JobErrorRef,
      nullable: true,
      description: 'Set when FAILED.',
      resolve: ({ job }) => (job.status === 'FAILED' && job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? job.errorCode } : null),
    }),
    notices: t.stringList({
      description: 'Things the service decided that the request did not say, e.g. a quality skipped because the source is smaller.',
      resolve: ({ job }) => job.notices,
    }),
    priority: t.int({ description: 'Higher runs first.', resolve: ({ job }) => job.priority }),
    webhookUrl: t.string({ nullable: true, resolve: ({ job }) => job.webhookUrl }),
    createdAt: t.field({ type: 'DateTime', resolve: ({ job }) => job.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: ({ job }) => job.updatedAt }),
    queuedAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ job }) => job.queuedAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ job }) => job.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ job }) => job.finishedAt }),
  }),
});

const JobConnection = builder.connectionObject({ type: JobRef, name: 'JobConnection' });

const MAX_PAGE = 100;
const PAGE_SIZE_MESSAGE = `"first" must be from 1 to ${MAX_PAGE}`;

builder.queryFields((t) => ({
  job: t.field({
    type: JobRef,
    nullable: true,
    description: "A job of the caller's tenant; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => loadJobByGlobalId(context, String(id)),
  }),
  jobs: t.field({
    type: JobConnection,
    description: 'Newest first.',
    args: {
      first: t.arg.int({
        description: `Page size, 1 to ${MAX_PAGE}; default 20.`,
        validate: z.number().int().min(1, PAGE_SIZE_MESSAGE).max(MAX_PAGE, PAGE_SIZE_MESSAGE).nullish(),
      }),
      after: t.arg.string({ description: 'endCursor of the previous page.' }),
      status: t.arg({ type: [JobStatusEnum], description: 'Only jobs in one of these statuses.' }),
      metadata: t.arg({ type: 'JSONObject', description: 'Only jobs whose metadata holds every given key and value.' }),
    },
    resolve: async (_root, args, context) => {
      const first = args.first ?? 20;
      const after = args.after ? decodeCursor(args.after) : null;
      const records = await listJobs(context.services.db, {
        tenantId: context.viewer.tenantId,
        limit: first + 1,
        statuses: args.status && args.status.length > 0 ? args.status : null,
        after,
        metadata: metadataFilter(args.metadata),
      });
      const page = records.slice(0, first);
      const edges = page.map((node) => ({ node, cursor: encodeCursor(node) }));
      return {
        edges,
        pageInfo: {
          hasNextPage: records.length > first,
          hasPreviousPage: after !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
}));

/** The jobs(metadata:) filter, checked like createJob's metadata; an empty object filters nothing. */
function metadataFilter(value: Record<string, unknown> | null | undefined): Record<string, string> | null {
  const checked = validateMetadata(value, 'metadata');
  if (checked instanceof ValidationError) throw checked;
  return checked && Object.keys(checked).length > 0 ? checked : null;
}

function encodeCursor({ job }: JobRecord): string {
  return Buffer.from(JSON.stringify([job.createdAt.toISOString(), job.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError('"after" is not a cursor this API issued', 'after');
  }
}
