/**
 * `npm run bench:queue`: ffly's queue beside graphile-worker and pg-boss, on one embedded PostgreSQL
 * (the API's own, started with it), in one run, each figure measured `BENCH_RUNS` times (median and
 * spread, bench/support.ts).
 *
 * 1. Enqueue to start: `BENCH_SAMPLES` (300) jobs one at a time to a warm, idle worker; the time from
 *    the enqueue call to the job starting (ffly: the worker's long poll answering with the claim;
 *    the others: their task handler being called). p50 and p99.
 * 2. Drain: `BENCH_QUEUED_JOBS` (5,000) queued no-op jobs claimed and completed by 1, 4 and 16
 *    concurrent workers; jobs/s from the first claim to the last completion.
 *
 * ffly runs its real path: the enqueue is startJob's transition (`enqueueJob`, after the upload check,
 * which is not part of the queue); workers are the transcoder's own API client (transcoder/src/api-client.ts)
 * long-polling `POST /worker/v1/claim` and reporting `POST /worker/v1/jobs/:id/complete` over HTTP,
 * with no ffmpeg. The one thing answered by the benchmark is the object store's check that the
 * reported output was uploaded (a HEAD to the embedded s3rver): the queue is measured, not the store.
 *
 * Settings of the others (their documented fast settings, printed with the results):
 * - graphile-worker: defaults (LISTEN/NOTIFY, `pollInterval` 2 s, prepared statements), `concurrency`
 *   1 / 4 / 16 on one runner; jobs added with `addJob` (latency) or `addJobs` (the drain's backlog).
 * - pg-boss: `useListenNotify: true` and a queue with `notify: true` (NOTIFY wakes workers). Latency:
 *   `work()` with `pollingIntervalSeconds: 0.5` (its minimum), `batchSize: 1`. Drain: 1 / 4 / 16
 *   loops of `fetch` (`batchSize: 1`) and `complete`, since `work()` waits out its polling interval
 *   after every fetch of one job (its burst modes need full batches or its stats cache).
 */
import { sql as rawSql } from 'drizzle-orm';
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile, runMigrations as migrateGraphile, type WorkerUtils } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import { jobUuidOf } from '../src/jobs/global-id.js';
import { enqueueJob } from '../src/jobs/sql/enqueue-job.js';
import type { RunningServer } from '../src/server.js';
import { machineCredential } from '../src/workers/credentials.js';
import { createApiClient } from '../transcoder/src/api-client.js';
import { fmt, formatSpread, graphql, measureRepeatedly, percentile, startBenchServer, type Spread } from './support.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const QUEUED_JOBS = Number(process.env.BENCH_QUEUED_JOBS ?? 5_000);
const CONCURRENCY = [1, 4, 16] as const;
const SYSTEMS = ['ffly', 'graphile-worker', 'pg-boss'] as const;
type System = (typeof SYSTEMS)[number];
/** `BENCH_ONLY=ffly,graphile-worker` measures only those. */
const ONLY = (process.env.BENCH_ONLY?.split(',') ?? SYSTEMS) as System[];
/** `BENCH_PARTS=latency` or `drain` measures only that part. */
const PARTS = process.env.BENCH_PARTS?.split(',') ?? ['latency', 'drain'];
const QUEUE = 'bench_noop';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Enqueue-to-start samples for a library whose handler calls the returned `started` hook: one job at
 * a time to a warm, idle worker (15-25 ms apart), from the enqueue call to the handler running.
 */
function startLatencySampler(): { started: (at: number) => void; sample: (samples: number, enqueue: (index: number) => Promise<unknown>) => Promise<number[]> } {
  let onStart: ((at: number) => void) | null = null;
  return {
    started: (at) => onStart?.(at),
    async sample(samples, enqueue) {
      const results: number[] = [];
      try {
        await sleep(200);
        for (let index = 0; index < samples; index++) {
          await sleep(15 + Math.random() * 10);
          const started = new Promise<number>((resolve) => (onStart = resolve));
          const enqueuedAt = performance.now();
          await enqueue(index);
          results.push((await started) - enqueuedAt);
        }
      } finally {
        onStart = null;
      }
      return results;
    },
  };
}
const silentGraphile = new GraphileLogger(() => () => {});

export const SETTINGS: Record<System, string> = {
  ffly: 'startJob\'s enqueue transition; workers: the transcoder\'s API client over HTTP (long poll waitMs 20000), complete reported with one output; API defaults (pool 10)',
  'graphile-worker': 'defaults: LISTEN/NOTIFY, pollInterval 2000 ms, preparedStatements on; concurrency 1/4/16 on one runner; addJob / addJobs',
  'pg-boss': 'useListenNotify: true, queue notify: true; latency: work() with pollingIntervalSeconds 0.5 (its minimum), batchSize 1; drain: 1/4/16 loops of fetch (batchSize 1) + complete (work() waits out its polling interval after each batch-1 fetch); send / insert',
};

interface Contender {
  /** Enqueues one job and resolves when it starts (ms from the enqueue call). */
  latency(samples: number): Promise<number[]>;
  /** Drains `jobs` queued jobs with `workers` concurrent workers: jobs/s. */
  drain(jobs: number, workers: number): Promise<number>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const { server, stop } = await startBenchServer({ LEASE_MS: '3600000' });
  const url = server.resources.database.url;
  // The output a worker reports is "in the store" (see the header): no s3rver HEAD per job.
  server.services.store.head = async () => ({ sizeBytes: 1, contentType: 'audio/mpeg', lastModified: new Date() });
  const contenders: Partial<Record<System, Contender>> = {};
  try {
    if (ONLY.includes('ffly')) contenders.ffly = await fflyContender(server);
    if (ONLY.includes('graphile-worker')) contenders['graphile-worker'] = await graphileContender(url);
    if (ONLY.includes('pg-boss')) contenders['pg-boss'] = await pgBossContender(url);
    const systems = ONLY.filter((system) => contenders[system]);
    const results = await measureRepeatedly(`bench:queue (${SAMPLES} samples, ${QUEUED_JOBS} queued jobs)`, async (index) => {
      const figures: Record<string, number> = {};
      // The order rotates between runs, so a burst of load from elsewhere falls on each in turn.
      const order = systems.map((_, offset) => systems[(offset + index) % systems.length]!);
      if (PARTS.includes('latency')) {
        for (const system of order) {
          const samples = await contenders[system]!.latency(SAMPLES);
          figures[`${system} p50`] = percentile(samples, 50);
          figures[`${system} p99`] = percentile(samples, 99);
        }
      }
      if (PARTS.includes('drain')) {
        for (const workers of CONCURRENCY) {
          for (const system of order) figures[`${system} x${workers}`] = await contenders[system]!.drain(QUEUED_JOBS, workers);
        }
      }
      return figures;
    });
    print(systems, results);
  } finally {
    for (const contender of Object.values(contenders)) await contender.close().catch((error: unknown) => console.error(error));
    await stop();
  }
}

function print(systems: System[], results: Record<string, Spread>): void {
  const ms = (value: number) => fmt(value);
  const rate = (value: number) => `${Math.round(value)}/s`;
  console.log('\nsettings:');
  for (const system of systems) console.log(`- ${system}: ${SETTINGS[system]}`);
  if (PARTS.includes('latency')) {
    console.log(`\n| enqueue to start (${SAMPLES} one at a time) | p50 | p99 |\n| --- | --- | --- |`);
    for (const system of systems) console.log(`| ${system} | ${formatSpread(results[`${system} p50`]!, ms)} | ${formatSpread(results[`${system} p99`]!, ms)} |`);
  }
  if (PARTS.includes('drain')) {
    console.log(`\n| drain ${QUEUED_JOBS} no-op jobs, claim and complete | ${CONCURRENCY.map((workers) => `${workers} worker${workers > 1 ? 's' : ''}`).join(' | ')} |`);
    console.log(`| --- | ${CONCURRENCY.map(() => '---').join(' | ')} |`);
    for (const system of systems) console.log(`| ${system} | ${CONCURRENCY.map((workers) => formatSpread(results[`${system} x${workers}`]!, rate)).join(' | ')} |`);
  }
}

// ffly ---------------------------------------------------------------------------------------------

async function fflyContender(server: RunningServer): Promise<Contender> {
  const { sql, db } = server.services;
  const input = { source: { filename: 'a.wav', sizeBytes: 1000 }, outputs: [{ audio: { format: 'MP3' } }] };
  const { createJob } = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id } } }', { input });
  const template = jobUuidOf(createJob.id)!;
  const api = createApiClient({ apiUrl: server.workerUrl ?? server.url, credential: machineCredential(server.services.signingKey) });

  /** Copies of the template job (with its outputs), AWAITING_UPLOAD, or QUEUED as enqueueing them one by one would. */
  async function cloneJobs(count: number, status: 'AWAITING_UPLOAD' | 'QUEUED'): Promise<string[]> {
    const rows = await sql`
      insert into jobs (tenant_id, status, spec, source_filename, source_content_type, source_size_bytes, source_key, upload_expires_at, queued_at, fair_seq)
      select tenant_id, ${status}, spec, source_filename, source_content_type, source_size_bytes, source_key, upload_expires_at, now(),
        case when ${status}::text = 'QUEUED' then n - 1 end
      from jobs, generate_series(1, ${count}) as n where id = ${template}
      returning id`;
    const ids = rows.map((row) => row.id as string);
    await sql`
      insert into job_outputs (job_id, position, name, content_type, key)
      select copy.id, output.position, output.name, output.content_type, output.key
      from unnest(${ids}::uuid[]) as copy(id), job_outputs output where output.job_id = ${template}`;
    return ids;
  }

  /** Claims and completes jobs until `signal` aborts; `onClaim` when a claim arrives, `onComplete` once its completion is answered. */
  async function work(machineId: string, signal: AbortSignal, onClaim: (id: string) => void, onComplete: () => void = () => {}): Promise<void> {
    while (!signal.aborted) {
      const job = await api.claim(machineId, 20_000, signal).catch((error: unknown) => {
        if (signal.aborted) return null;
        throw error;
      });
      if (!job) continue;
      onClaim(job.id);
      const output = job.outputs[0]!;
      const outcome = await api.forJob(job).complete({
        outputs: [{ name: output.name, sizeBytes: 1, durationSeconds: 1, skippedReason: null }],
        notices: [],
        sourceDurationSeconds: 1,
      });
      if (outcome.status !== 'ok') throw new Error(`complete answered ${outcome.status}`);
      onComplete();
    }
  }

  async function cleanUp(): Promise<void> {
    await db.execute(rawSql`delete from jobs where id <> ${template}`);
  }

  return {
    async latency(samples) {
      const ids = await cloneJobs(samples, 'AWAITING_UPLOAD');
      const controller = new AbortController();
      const arrivals = new Map<string, (at: number) => void>();
      let completed: () => void = () => {};
      let idle: Promise<void> = Promise.resolve();
      const worker = work(
        'bench-latency',
        controller.signal,
        (id) => arrivals.get(id)?.(performance.now()),
        () => completed(),
      );
      const results: number[] = [];
      try {
        for (const id of ids) {
          // The worker completes the last job and gets back into its long poll, as an idle worker would be.
          await idle;
          await sleep(15 + Math.random() * 10);
          idle = new Promise<void>((resolve) => (completed = resolve));
          const arrived = new Promise<number>((resolve) => arrivals.set(id, resolve));
          const enqueuedAt = performance.now();
          // startJob's own transition; the upload check before it is not part of the queue.
          await enqueueJob(db, { id, sizeBytes: 1000 });
          results.push((await arrived) - enqueuedAt);
        }
      } finally {
        controller.abort();
        await worker.catch(() => {});
        await cleanUp();
      }
      return results;
    },
    async drain(jobs, workers) {
      await cloneJobs(jobs, 'QUEUED');
      await sql`vacuum analyze jobs`;
      const controller = new AbortController();
      let claimed = 0;
      const startedAt = performance.now();
      let finishedAt = 0;
      const loops = Array.from({ length: workers }, (_, index) =>
        work(`bench-${index}`, controller.signal, () => {
          claimed += 1;
        }),
      );
      // Completion is what the workers await: poll for the last one.
      while (true) {
        const [row] = await sql`select count(*)::int as left from jobs where status in ('QUEUED', 'RUNNING')`;
        if (row!.left === 0) {
          finishedAt = performance.now();
          break;
        }
        await sleep(5);
      }
      controller.abort();
      await Promise.all(loops.map((loop) => loop.catch(() => {})));
      if (claimed < jobs) throw new Error(`only ${claimed} of ${jobs} jobs were claimed`);
      await cleanUp();
      return jobs / ((finishedAt - startedAt) / 1000);
    },
    async close() {},
  };
}

// graphile-worker ----------------------------------------------------------------------------------

async function graphileContender(connectionString: string): Promise<Contender> {
  await migrateGraphile({ connectionString, logger: silentGraphile });
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString, logger: silentGraphile });
  const sampler = startLatencySampler();
  const taskList = { noop: async () => sampler.started(performance.now()) };

  return {
    async latency(samples) {
      const runner = await runGraphile({ connectionString, concurrency: 1, noHandleSignals: true, taskList, logger: silentGraphile });
      try {
        return await sampler.sample(samples, (index) => utils.addJob('noop', { index }));
      } finally {
        await runner.stop();
      }
    },
    async drain(jobs, workers) {
      await utils.addJobs(Array.from({ length: jobs }, (_, index) => ({ identifier: 'noop', payload: { index } })));
      await utils.withPgClient((client) => client.query('vacuum analyze graphile_worker._private_jobs'));
      const startedAt = performance.now();
      const runner = await runGraphile({ connectionString, concurrency: workers, noHandleSignals: true, taskList, logger: silentGraphile });
      let finishedAt = 0;
      try {
        while (true) {
          const { rows } = await utils.withPgClient((client) => client.query<{ left: number }>('select count(*)::int as left from graphile_worker._private_jobs'));
          if (rows[0]!.left === 0) {
            finishedAt = performance.now();
            break;
          }
          await sleep(5);
        }
      } finally {
        await runner.stop();
      }
      return jobs / ((finishedAt - startedAt) / 1000);
    },
    async close() {
      await utils.release();
    },
  };
}

// pg-boss ------------------------------------------------------------------------------------------

async function pgBossContender(connectionString: string): Promise<Contender> {
  const boss = new PgBoss({ connectionString, useListenNotify: true, schedule: false });
  boss.on('error', (error) => console.error('pg-boss:', error));
  await boss.start();
  await boss.createQueue(QUEUE, { notify: true });
  const sampler = startLatencySampler();
  const handler = async () => sampler.started(performance.now());

  return {
    async latency(samples) {
      await boss.work(QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, handler);
      try {
        return await sampler.sample(samples, (index) => boss.send(QUEUE, { index }));
      } finally {
        await boss.offWork(QUEUE);
      }
    },
    async drain(jobs, workers) {
      await boss.insert(QUEUE, Array.from({ length: jobs }, (_, index) => ({ data: { index } })));
      // Its workers wait out the polling interval after every fetch of one job (their burst modes
      // need batches or its 60 s stats cache): N loops of fetch + complete, which is as fast as it goes.
      const startedAt = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (true) {
            const [job] = await boss.fetch(QUEUE, { batchSize: 1 });
            if (!job) return;
            await handler();
            await boss.complete(QUEUE, job.id);
          }
        }),
      );
      return jobs / ((performance.now() - startedAt) / 1000);
    },
    async close() {
      await boss.stop({ graceful: false });
    },
  };
}

await main();
