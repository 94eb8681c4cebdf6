import { backoffDelay } from '../../protocol/backoff.js';
import { createGraphQLError, Repeater } from 'graphql-yoga';
import type { JobChange, JobListener } from '../realtime/job-listener.js';
import { JOB_ROUTING_KEY } from '../realtime/job-notifications.js';
import { jobRecordLoader } from '../jobs/reader.js';
import type { JobRecord } from '../jobs/reader.js';
import { TERMINAL_STATUSES, type JobStatus } from '../db/schema.js';
import { builder } from '../graphql/builder.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import { JobRef, parseJobId } from './job.js';

builder.subscriptionField('jobUpdated', (t) =>
  t.field({
    type: JobRef,
    description:
      'First event: the job as it is now. Then one event per change (status, progress, outputs). Completes after the event that carries a terminal status.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) => subscribeToJob(context, String(id)),
    resolve: (record) => record,
  }),
);

/**
 * Checks access when the client subscribes (another tenant's job is indistinguishable from a missing
 * one, and is refused with an error before any event), then streams the job.
 */
async function subscribeToJob(context: GraphQLContext, globalId: string): Promise<AsyncIterable<JobRecord>> {
  const { services, viewer } = context;
  const jobId = parseJobId(globalId);
  const listener = services.jobListener;
  if (!jobId) throw notFound();
  const load = () => jobRecordLoader(services.db).load(jobId);
  // Listening starts before the first read (a Repeater starts on its first next()), so a change
  // committed in between is not missed: at worst it is read twice.
  const hints = listener.pubsub.subscribe(JOB_ROUTING_KEY, jobId);
  const firstHint = hints.next();
  try {
    const first = await load();
    if (!first || first.job.tenantId !== viewer.tenantId) throw notFound();
    return followJob({ first, firstHint, hints, load, tenantId: viewer.tenantId, listener, logger: services.logger });
  } catch (error) {
    await hints.return();
    throw error;
  }
}

interface Follow {
  first: JobRecord;
  firstHint: Promise<IteratorResult<JobChange | null>>;
  hints: AsyncIterator<JobChange | null>;
  load(): Promise<JobRecord | null>;
  tenantId: string;
  listener: Pick<JobListener, 'onClose'>;
  logger: Logger;
}

/**
 * The current row first, then the row again whenever a hint names a version past the one sent (or
 * says changes may have been missed). Hints are drained as they arrive and only record what is wanted,
 * so a slow client never makes them pile up: one read after the latest hint covers all earlier ones.
 * A Repeater (not an async generator) so that a client leaving, or the server stopping, ends the
 * stream at once, even while nothing is arriving.
 */
function followJob({ first, firstHint, hints, load, tenantId, listener, logger }: Follow): Repeater<JobRecord> {
  // Only versions are kept between events, not rows: thousands of idle subscriptions each holding the
  // last row they sent would cost more than the rest of the subscription.
  let unsent: JobRecord | null = first;
  let sent = first.job.version;
  let terminal = isTerminal(first.job.status);
  const stream = new Repeater<JobRecord>(async (push, stop) => {
    let stopped = false;
    let interrupt = () => {};
    // One reaction to `stop` for the whole stream. `Promise.race([..., stop])` in the loop would add
    // one per event, each kept until the stream ends: hours of progress at 2 Hz, per subscriber.
    void stop.then(() => {
      stopped = true;
      interrupt();
    });
    /** Resolves once `promise` settles (when given) or the stream stops, whichever comes first. */
    const untilStopped = (promise?: Promise<unknown>) =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        interrupt = resolve;
        if (!promise) wake = resolve;
        promise?.then(() => resolve(), () => resolve());
      });
    const unregister = listener.onClose(() => stop());
    let wanted = sent;
    let resync = false;
    let wake = () => {};
    const stale = () => resync || wanted > sent;

    const draining = (async () => {
      for (let hint = await firstHint; !hint.done; hint = await hints.next()) {
        // null: the listener reconnected, so changes may have been missed.
        if (hint.value === null) resync = true;
        else wanted = Math.max(wanted, hint.value.version);
        if (stale()) wake();
      }
    })();

    try {
      const pushed = push(unsent!);
      unsent = null;
      await untilStopped(pushed);
      while (!stopped && !terminal) {
        if (!stale()) await untilStopped();
        if (stopped) break;
        resync = false;
        const record = await readWithRetry(load, stop, logger);
        if (record === STOPPED || !record || record.job.tenantId !== tenantId) break;
        if (record.job.version <= sent) continue;
        sent = record.job.version;
        terminal = isTerminal(record.job.status);
        await untilStopped(push(record));
      }
    } finally {
      unregister();
      stop();
      await hints.return?.();
      await draining;
    }
  });
  // A Repeater returned before its first next() never runs its executor, so the `finally` above would
  // never stop the hints (the client left between subscribing and the first event): stop them here too.
  const returnStream = stream.return.bind(stream);
  stream.return = async (value) => {
    await hints.return?.();
    return returnStream(value);
  };
  return stream;
}

const STOPPED = Symbol('stopped');

/** 250 ms doubling to 5 s, with jitter, so that the subscribers of a restarting database do not retry in step. */
const READ_RETRY_BACKOFF = { baseMs: 250, maxMs: 5_000 };

/** A failed read (PostgreSQL restarting) is retried with backoff: giving up could lose a terminal event. */
async function readWithRetry(load: () => Promise<JobRecord | null>, stop: Promise<unknown>, logger: Logger) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (error) {
      logger.warn({ err: error, attempt }, 'reading a subscribed job failed; retrying');
    }
    const delay = backoffDelay(attempt, READ_RETRY_BACKOFF);
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, delay, false).unref());
    if (await Promise.race([timeout, stop.then(() => true)])) return STOPPED;
  }
}

function isTerminal(status: JobStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

function notFound() {
  return createGraphQLError('No job with this id', { extensions: { code: 'NOT_FOUND' } });
}
