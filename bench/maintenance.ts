/**
 * `npm run bench:maintenance`: what the maintenance loop's history trimming costs the hot path. On an
 * embedded PostgreSQL in a temporary directory: 100,000 job events older than the horizon (on 1,000
 * finished jobs) and a deep queue; claimers loop `claimNextJob` (as bench:schedule's claim-throughput
 * part does, with a LISTEN session on the job channel) for a window before, then while the events are
 * deleted in `trimJobEvents` batches of 1,000 (as the maintenance loop does), then after. Prints claims/s
 * for each window and the trimming's batches, duration and slowest batch; each figure BENCH_RUNS times
 * (3), seeding the old events again for every run, as median and spread.
 *
 * `BENCH_CLAIMERS` (default 4) and `BENCH_WINDOW_MS` (default 5000) tune it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { JOB_CHANNEL } from '../src/realtime/job-notifications.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { claimNextJob } from '../src/jobs/sql/claim-job.js';
import { silentLogger } from '../src/logger.js';
import { TRIM_BATCH_ROWS, trimJobEvents } from '../src/maintenance/trim-history.js';
import { formatSpread, measureRepeatedly, percentile } from './support.js';

const EVENTS = 100_000;
const FINISHED_JOBS = 1_000;
/** Per run: enough for every window's claims. */
const QUEUED_JOBS = Number(process.env.BENCH_QUEUED_JOBS ?? 80_000);
const CLAIMERS = Number(process.env.BENCH_CLAIMERS ?? 4);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5_000);
const HORIZON_SECONDS = 30 * 86_400;

const round = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ffly-bench-maintenance-'));
  const postgres = await startEmbeddedPostgres({ directory: path.join(dataDir, 'postgres'), logger: silentLogger() });
  try {
    await migrateDatabase(postgres.url);
    const admin = connectDatabase(postgres.url);
    const listening = await admin.sql.listen(JOB_CHANNEL, () => {});
    try {
      const claims = connectDatabase(postgres.url, { max: CLAIMERS, applicationName: 'ffly-bench-claims' });
      const figures = await measureRepeatedly(
        `bench:maintenance — ${EVENTS} old job events trimmed in batches of ${TRIM_BATCH_ROWS} while ${CLAIMERS} claimers loop claimNextJob; claims/s before, during and after`,
        async () => {
          // Each run seeds its own old events (the previous run trimmed them) and tops up the queue.
          await seed(admin.sql);
          let claimed = 0;
          let stop = false;
          const claimers = Promise.all(
            Array.from({ length: CLAIMERS }, async (_, index) => {
              while (!stop && (await claimNextJob(claims.db, { machineId: `bench-${index}`, leaseMs: 3_600_000 }))) claimed += 1;
            }),
          );
          const window = async (run: () => Promise<unknown>) => {
            const from = claimed;
            const startedAt = performance.now();
            await run();
            const seconds = (performance.now() - startedAt) / 1000;
            return { seconds, claimsPerSecond: (claimed - from) / seconds };
          };
          const sleep = () => new Promise((resolve) => setTimeout(resolve, WINDOW_MS));

          const before = await window(sleep);
          const batchMs: number[] = [];
          let trimmed = 0;
          const during = await window(async () => {
            for (let rows = TRIM_BATCH_ROWS; rows === TRIM_BATCH_ROWS; ) {
              const startedAt = performance.now();
              rows = await trimJobEvents(admin.db, { olderThanSeconds: HORIZON_SECONDS });
              batchMs.push(performance.now() - startedAt);
              trimmed += rows;
            }
          });
          const after = await window(sleep);
          stop = true;
          await claimers;
          if (trimmed < EVENTS) throw new Error(`trimmed ${trimmed} events, expected at least ${EVENTS}`);
          return {
            claims_per_s_before: before.claimsPerSecond,
            claims_per_s_during_trim: during.claimsPerSecond,
            claims_per_s_after: after.claimsPerSecond,
            trim_seconds: during.seconds,
            trim_batches: batchMs.length,
            batch_ms_p50: percentile(batchMs, 50),
            batch_ms_p99: percentile(batchMs, 99),
            batch_ms_max: Math.max(...batchMs),
          };
        },
      );
      await claims.close();
      const [left] = await admin.sql`select count(*)::int as count from jobs where status = 'QUEUED'`;
      console.log(`claimers: ${CLAIMERS}; queued jobs left at the end: ${left!.count}`);
      const rate = (value: number) => `${Math.round(value)}/s`;
      const ms = (value: number) => `${round(value)} ms`;
      console.log(`claims before trimming:  ${formatSpread(figures.claims_per_s_before, rate)}`);
      console.log(`claims while trimming:   ${formatSpread(figures.claims_per_s_during_trim, rate)}`);
      console.log(`claims after trimming:   ${formatSpread(figures.claims_per_s_after, rate)}`);
      console.log(`trim: ${formatSpread(figures.trim_seconds, (value) => `${round(value)} s`)} in ${formatSpread(figures.trim_batches, (value) => value.toFixed(0))} batches; batch p50 ${formatSpread(figures.batch_ms_p50, ms)}, p99 ${formatSpread(figures.batch_ms_p99, ms)}, max ${formatSpread(figures.batch_ms_max, ms)}`);
    } finally {
      await listening.unlisten();
      await admin.close();
    }
  } finally {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Finished jobs with 100 old events each, and a queue deep enough for every window's claims. */
async function seed(sql: ReturnType<typeof connectDatabase>['sql']): Promise<void> {
  const spec = JSON.stringify({ outputs: [{ kind: 'audio', name: 'mp3-128k', format: 'MP3', bitrateKbps: 128, sampleRate: null, channels: null, bitDepth: null }] });
  const insertJobs = (status: string, count: number) => sql`
    insert into jobs (tenant_id, status, spec, source_filename, source_content_type, source_size_bytes, source_key, upload_expires_at, queued_at, finished_at, fair_seq)
    select 'bench', ${status}, ${spec}::jsonb, 'tone.wav', 'audio/wav', 4, 'jobs/x/source/tone.wav', now(), now(),
      case when ${status} = 'COMPLETED' then now() - interval '31 days' end,
      -- The fair places one tenant's jobs queued one by one would get.
      case when ${status} = 'QUEUED' then n end
    from generate_series(1, ${count}) as n`;
  // A previous run's finished jobs (their events trimmed) go, so every run trims the same 100,000 events.
  await sql`delete from jobs where status = 'COMPLETED'`;
  await insertJobs('COMPLETED', FINISHED_JOBS);
  await sql`
    insert into job_events (job_id, type, created_at)
    select id, 'progress', now() - interval '31 days' from jobs, generate_series(1, ${EVENTS / FINISHED_JOBS}) where status = 'COMPLETED'`;
  await insertJobs('QUEUED', QUEUED_JOBS);
  await sql`vacuum analyze`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
