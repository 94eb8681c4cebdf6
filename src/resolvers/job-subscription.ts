import { findJob, type JobRecord } from '../db/jobs.js';
import { TERMINAL_STATUSES } from '../db/schema.js';
import { builder } from '../graphql/builder.js';
import type { GraphQLContext } from '../graphql/context.js';
import { JobRef, parseJobId } from './job.js';
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { Repeater } from 'graphql-yoga';

builder.subscriptionField('jobUpdated', (t) =>
  t.field({
    type: JobRef,
    description:
      'First event: the job as it is now. Then one event per change (status, progress, outputs). Completes after the event that carries a terminal status.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) => watchJob(context, String(id)),
    resolve: (record) => record,
  }),
);

/**
 * Pushes the current row first, then the row again after each notification that moved its version
 * on; a notification is only a hint to re-read, so coalesced or duplicated ones are harmless.
 * A Repeater (not an async generator) so that a client leaving stops the watch at once, even while
 * no notification is arriving.
 */
function watchJob(context: GraphQLContext, globalId: string): Repeater<JobRecord> {
  const { services, viewer } = context;
  return new Repeater<JobRecord>(async (push, stop) => {
    const jobId = parseJobId(globalId);
    const listener = services.jobListener;
    if (!jobId || !listener) return stop(notFound());

    let lastVersion = -1;
    let reading: Promise<void> = Promise.resolve();
    // Reads are chained so events go out in order and each re-read sees the latest row.
    const refresh = () => {
      reading = reading.then(async () => {
        const record = await findJob(services.db, viewer.tenantId, jobId);
        // Checked at subscribe time too: another tenant's job is indistinguishable from a missing one.
        if (!record) return void stop(lastVersion === -1 ? notFound() : undefined);
        if (record.job.version > lastVersion) {
          lastVersion = record.job.version;
          await push(record);
        }
        if ((TERMINAL_STATUSES as readonly string[]).includes(record.job.status)) stop();
      }).catch((error: unknown) => void stop(error));
    };
    const unwatch = listener.watch(jobId, refresh);
    refresh();
    await stop;
    unwatch();
  });
}

function notFound(): GraphQLError {
  return createGraphQLError('No job with this id', { extensions: { code: 'NOT_FOUND' } });
}
