/**
 * `npm run bench:schedule`: how fast work reaches a worker. It starts everything it needs (embedded
 * PostgreSQL and object store in a temporary DATA_DIR) and prints a JSON summary.
 *
 * 1. startJob → claimed through the scheduler and a Fly Machines emulator with Fly-like delays
 *    (create 5 s, start 300 ms) whose machines run the real transcoder: with a stopped machine to
 *    start, and with none (a create). A proxy in front of the emulator counts the Fly API calls.
 * 2. enqueue → claim with a warm worker long-polling `/worker/v1/claim` (simulated over HTTP).
 * 3. claims per second from `claimNextJob` with many queued jobs (of one tenant, and spread over
 *    several) and N concurrent claimers, beside the claim as it was before fair sharing
 *    (docs/BENCHMARKS.md), in the same run.
 *
 * `BENCH_ONLY=latency` runs part 2 alone; `BENCH_ONLY=throughput` part 3 alone. Everything runs
 * BENCH_RUNS times (3), each on a fresh DATA_DIR; every number is reported as median and spread.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql as rawSql } from 'drizzle-orm';
import { WORKER_API_PREFIX } from '../protocol/worker-api.js';
import { loadConfig } from '../src/config/load-config.js';
import { connectDatabase, type Database } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { JOB_CHANNEL, jobChangedNotifyExpression } from '../src/realtime/job-notifications.js';
import { jobUuidOf } from '../src/jobs/global-id.js';
import { claimNextJob } from '../src/jobs/sql/claim-job.js';
import { mapRow } from '../src/db/map-row.js';
import { executePrepared } from '../src/db/prepared.js';
import { jobsTable } from '../src/db/schema.js';
import { enqueueJob } from '../src/jobs/sql/enqueue-job.js';
import { createFlyEmulator, localTranscoderCommand } from '../emulator/src/index.js';
import { silentLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { machineCredential } from '../src/workers/credentials.js';
import { resolveBinaries } from '../transcoder/src/media/binaries.js';
import { BENCH_RUNS, formatSpread, graphql, measureRepeatedly, percentile, type Spread } from './support.js';

const COLD_RUNS = 2;
const WARM_RUNS = 5;
const LATENCY_SAMPLES = 300;
/** `BENCH_QUEUED_JOBS` shortens part 3 on a busy machine (the claim costs the same at any depth). */
const QUEUED_JOBS = Number(process.env.BENCH_QUEUED_JOBS ?? 5_000);
const CLAIMER_COUNTS = [1, 4, 8, 16];
/** Queued jobs spread round-robin over this many tenants (1: the whole queue is one tenant's). */
const TENANT_COUNTS = [1, 20];
const LIST_ROUTE = 'GET /v1/apps/ffly-worker/machines';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 100) / 100;
const summarize = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  mean: round(values.reduce((sum, value) => sum + value, 0) / values.length),
});

async function main(): Promise<void> {
  // BENCH_ONLY=latency runs only part 2 (about 20 s), e.g. to re-measure the enqueue path.
  const only = process.env.BENCH_ONLY;
  let last: unknown = null;
  const figures = await measureRepeatedly(`bench:schedule — ${describeMachine()}`, async () => {
    // Every run on its own DATA_DIR (its own embedded database): no run inherits another's queue.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ffly-bench-schedule-'));
    try {
      const scheduling = only === undefined ? await benchScheduling(dataDir) : null;
      // Same DATA_DIR (same embedded database), scheduling paused: only the benchmark's worker claims.
      const server = await startServer(loadConfig({ DATA_DIR: dataDir, PORT: '0', MAX_MACHINES: '0', LEASE_MS: '3600000', LOG_LEVEL: 'silent' }), silentLogger());
      const latency = only === 'throughput' ? (await createTemplateJob(server).finally(() => server.stop()), null) : await benchEnqueueToClaim(server).finally(() => server.stop());
      const throughput = only === 'latency' ? null : await benchClaimThroughput(dataDir);
      last = { scheduling, latency, throughput };
      return numericLeaves(last);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
  console.log('the last run in full:');
  console.log(JSON.stringify(last, null, 2));
  console.log(`each figure over ${BENCH_RUNS} runs, median (lowest to highest):`);
  for (const [name, spread] of Object.entries(figures)) console.log(`${name}: ${formatSpread(spread as Spread, (value) => String(round(value)))}`);
}

/**
 * Every number in a run's summary, named by its path ("latency.enqueueToClaimMs.p50"), so the runs'
 * figures can be put side by side. Lists of samples (the "runs" arrays) are left out: their medians are
 * figures already. Part 3's list of results is named by claim, tenants and claimers.
 */
function numericLeaves(value: unknown, prefix = ''): Record<string, number> {
  if (typeof value === 'number') return { [prefix]: value };
  if (Array.isArray(value)) {
    // Part 3's results: one entry per claim, tenant count and claimer count, named by them.
    return Object.assign({}, ...value.map((entry: unknown) => {
      if (entry === null || typeof entry !== 'object') return {};
      const { claim, tenants, claimers, ...figures } = entry as Record<string, unknown>;
      if (claim === undefined) return {};
      return numericLeaves(figures, `${prefix}.${String(claim)}.tenants=${String(tenants)}.claimers=${String(claimers)}`);
    }));
  }
  if (value === null || typeof value !== 'object') return {};
  return Object.assign({}, ...Object.entries(value).map(([key, child]) => numericLeaves(child, prefix ? `${prefix}.${key}` : key)));
}

function describeMachine(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() it is.
  }
  // The load average (printed by measureRepeatedly at the start and end) says how much else ran.
  return `nproc ${os.availableParallelism()}, ${cpu}, node ${process.version}, ${os.platform()} ${os.release()}`;
}

// 1. startJob → claimed through the scheduler ---------------------------------------------------

async function benchScheduling(dataDir: string) {
  const emulator = await createFlyEmulator({ dataDir: path.join(dataDir, 'fly-emulator'), machineCommand: localTranscoderCommand(), createDelayMs: 5_000, startDelayMs: 300, token: 'bench' });
  const proxy = await startCountingProxy(emulator.url);
  const env = { DATA_DIR: dataDir, PORT: '0', FLY_API_URL: proxy.url, FLY_API_TOKEN: 'bench', MAX_MACHINES: '1', WORKER_IDLE_MS: '1500', LOG_LEVEL: 'silent' };
  const server = await startServer(loadConfig(env), silentLogger());
  const source = await makeWav(dataDir);
  const latency = { noMachine: [] as number[], stoppedMachineAvailable: [] as number[] };
  const calls = { noMachine: [] as string[], stoppedMachineAvailable: [] as string[] };
  const measure = async (kind: keyof typeof latency) => {
    const { from, to } = await runJob(server, source);
    latency[kind].push(to - from);
    calls[kind].push(...proxy.requests.filter((request) => request.at >= from && request.at <= to).map((request) => request.route));
  };
  const startedAt = Date.now();
  try {
    for (let run = 0; run < COLD_RUNS; run += 1) {
      await destroyPool(server, proxy.url);
      await measure('noMachine');
    }
    for (let run = 0; run < WARM_RUNS; run += 1) {
      // The worker has idled out, its machine is stopped, and the scheduler has seen it so.
      await waitForPool(server, (machines) => machines.length === 1 && machines[0]!.state === 'stopped');
      await measure('stoppedMachineAvailable');
    }
  } finally {
    await server.stop();
    await emulator.close();
    await proxy.close();
  }
  return {
    startJobToClaimedMs: {
      stoppedMachineAvailable: { median: round(percentile(latency.stoppedMachineAvailable, 50)), runs: latency.stoppedMachineAvailable },
      noMachine: { median: round(percentile(latency.noMachine, 50)), runs: latency.noMachine },
    },
    flyCallsPerJob: { stoppedMachineAvailable: perJob(calls.stoppedMachineAvailable, WARM_RUNS), noMachine: perJob(calls.noMachine, COLD_RUNS) },
    poolListingsPerSecond: round(proxy.requests.filter((request) => request.route === LIST_ROUTE).length / ((Date.now() - startedAt) / 1000)),
    rateLimited: proxy.requests.filter((request) => request.status === 429).length,
  };
}

/** Calls per job by route between startJob and the claim, the periodic pool listing left out. */
function perJob(routes: string[], jobs: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const route of routes) if (route !== LIST_ROUTE) counts[route] = round((counts[route] ?? 0) + 1 / jobs);
  return counts;
}

async function makeWav(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'tone.wav');
  await promisify(execFile)((await resolveBinaries()).ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'sine=d=2', '-y', file]);
  return readFile(file);
}

/** Creates, uploads, starts and waits for one job; returns when startJob was sent and when the job was claimed. */
async function runJob(server: RunningServer, source: Buffer): Promise<{ from: number; to: number }> {
  const input = { source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: source.length }, outputs: [{ audio: { format: 'MP3' } }] };
  const { createJob: job } = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { upload { url headers { name value } } } } } }', { input });
  const headers = Object.fromEntries(job.source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
  await fetch(job.source.upload.url, { method: 'PUT', headers, body: new Uint8Array(source) });
  const uuid = jobUuidOf(job.id)!;
  const from = Date.now();
  await graphql(server.url, 'mutation ($id: ID!) { startJob(id: $id) { __typename } }', { id: job.id });
  // started_at is set by the claim, in the database's clock (the same host's).
  const to = await poll(async () => {
    const [row] = await server.services.sql`select extract(epoch from started_at) * 1000 as at from jobs where id = ${uuid} and started_at is not null`;
    return row ? Number(row.at) : undefined;
  }, 60_000);
  await poll(async () => ((await server.services.sql`select 1 from jobs where id = ${uuid} and status in ('COMPLETED', 'FAILED')`).length > 0 ? true : undefined), 60_000);
  return { from, to };
}

async function waitForPool(server: RunningServer, ready: (machines: Array<{ id: string; state: string }>) => boolean): Promise<void> {
  // The scheduler re-reads the pool every 2 s on its own: watching its view costs no Fly API call.
  await poll(async () => (ready(await server.services.machines.list()) ? true : undefined), 60_000, 200);
}

/** Destroys every machine behind the scheduler's back, and waits until it has noticed. */
async function destroyPool(server: RunningServer, flyUrl: string): Promise<void> {
  for (const machine of await server.services.machines.list()) {
    await fetch(`${flyUrl}/v1/apps/ffly-worker/machines/${machine.id}?force=true`, { method: 'DELETE', headers: { authorization: 'Bearer bench' } });
  }
  await waitForPool(server, (machines) => machines.length === 0);
}

async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(intervalMs);
  }
}

interface CountingProxy {
  url: string;
  requests: Array<{ route: string; status: number; at: number }>;
  close(): Promise<void>;
}

/** Forwards to the emulator and records every call: the Fly API traffic as Fly would see it. */
async function startCountingProxy(target: string): Promise<CountingProxy> {
  const requests: CountingProxy['requests'] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
    const at = Date.now();
    const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).catch(() => null);
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://proxy').pathname.replace(/\/machines\/[0-9a-f]{14}/, '/machines/:id')}`;
    requests.push({ route, status: answer?.status ?? 502, at });
    if (!answer) return void response.writeHead(502).end();
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// 2. enqueue → claim with a warm, long-polling worker -------------------------------------------

async function benchEnqueueToClaim(server: RunningServer) {
  const ids = await cloneJobs(server.services.sql, LATENCY_SAMPLES, 'AWAITING_UPLOAD', await createTemplateJob(server));
  const credential = machineCredential(server.services.signingKey);
  const arrivals = new Map<string, (at: number) => void>();
  let running = true;
  const worker = (async () => {
    while (running) {
      const response = await fetch(`${server.url}${WORKER_API_PREFIX}/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
        body: JSON.stringify({ machineId: 'bench-worker', waitMs: 1_000 }),
      });
      const { job } = (await response.json()) as { job: { id: string } | null };
      if (job) arrivals.get(job.id)?.(performance.now());
    }
  })();
  const total: number[] = [];
  const commit: number[] = [];
  for (const id of ids) {
    // Let the worker get back into its long poll, as an idle worker would be.
    await sleep(15 + Math.random() * 10);
    const arrived = new Promise<number>((resolve) => arrivals.set(id, resolve));
    const enqueuedAt = performance.now();
    // startJob's own transition; the upload check before it is not part of the queue.
    await enqueueJob(server.services.db, { id, sizeBytes: 1000 });
    commit.push(performance.now() - enqueuedAt);
    total.push((await arrived) - enqueuedAt);
  }
  running = false;
  await worker;
  return {
    samples: total.length,
    enqueueToClaimMs: summarize(total),
    // Its two halves: the enqueue statement, then NOTIFY → claim transaction → claim response.
    enqueueCommitMs: summarize(commit),
    commitToClaimResponseMs: summarize(total.map((ms, index) => ms - commit[index]!)),
  };
}

/** A job created through the API (so its spec is valid) to copy rows from. */
async function createTemplateJob(server: RunningServer): Promise<string> {
  const input = { source: { filename: 'a.wav', sizeBytes: 1000 }, outputs: [{ audio: { format: 'MP3' } }] };
  const { createJob } = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id } } }', { input });
  return jobUuidOf(createJob.id)!;
}

/**
 * Copies of the template job; with `tenants` > 1, spread round-robin over that many tenants. QUEUED
 * copies get the fair places enqueueing them one by one would give (each tenant's 0, 1, 2...).
 */
async function cloneJobs(sql: RunningServer['services']['sql'], count: number, status: 'AWAITING_UPLOAD' | 'QUEUED', templateId: string, tenants = 1): Promise<string[]> {
  const rows = await sql`
    insert into jobs (tenant_id, status, spec, source_filename, source_content_type, source_size_bytes, source_key, upload_expires_at, queued_at, fair_seq)
    select case when ${tenants}::int = 1 then tenant_id else 'bench-' || (n % ${tenants}::int) end,
      ${status}, spec, source_filename, source_content_type, source_size_bytes, source_key, upload_expires_at, now(),
      case when ${status}::text = 'QUEUED' then (n - 1) / ${tenants}::int end
    from jobs, generate_series(1, ${count}) as n where id = ${templateId}
    returning id`;
  return rows.map((row) => row.id as string);
}

// 3. claim throughput ---------------------------------------------------------------------------

type Claim = (db: Database, options: { machineId: string; leaseMs: number }) => Promise<unknown>;

/**
 * Against the same database with no API in this process (its event loop would compete with the
 * claimers for the two cores), but with a LISTEN session on the job channel, as every API instance has.
 */
async function benchClaimThroughput(dataDir: string) {
  const postgres = await startEmbeddedPostgres({ directory: path.join(dataDir, 'postgres'), logger: silentLogger() });
  const admin = connectDatabase(postgres.url);
  const listening = await admin.sql.listen(JOB_CHANNEL, () => {});
  // Any job the API created (part 2's are COMPLETED or still AWAITING_UPLOAD; part 2 alone leaves only its template).
  const [template] = await admin.sql`select id from jobs where status not in ('QUEUED', 'RUNNING') order by created_at limit 1`;
  const results: Array<{ claim: string; tenants: number; claimers: number; claimsPerSecond: number }> = [];
  const claims: Array<[string, Claim]> = [['claimNextJob', claimNextJob], ['beforeFairSharing', claimBeforeFairSharing]];
  try {
    // Interleaved (each claimer count runs both claims back to back), so a burst of other load on
    // the shared machine hits both sides alike.
    for (const tenants of TENANT_COUNTS) {
      for (const claimers of CLAIMER_COUNTS) {
        // Which claim goes first alternates, so whatever the first run of a pair pays (or is spared) falls on both.
        for (const [name, claim] of CLAIMER_COUNTS.indexOf(claimers) % 2 === 0 ? claims : [...claims].reverse()) {
          await admin.sql`delete from jobs where status in ('QUEUED', 'RUNNING')`;
          await cloneJobs(admin.sql, QUEUED_JOBS, 'QUEUED', template!.id as string, tenants);
          // The claim before fair sharing read its order off the index it had then: give it back for its run.
          if (claim === claimBeforeFairSharing) await admin.sql`create index if not exists jobs_claim_before_idx on jobs (priority desc nulls last, created_at, id) where status = 'QUEUED'`;
          else await admin.sql`drop index if exists jobs_claim_before_idx`;
          await admin.sql`vacuum analyze jobs`;
          const database = connectDatabase(postgres.url, { max: claimers, applicationName: 'ffly-bench' });
          let claimed = 0;
          const startedAt = performance.now();
          await Promise.all(
            Array.from({ length: claimers }, async (_, index) => {
              while (await claim(database.db, { machineId: `bench-${index}`, leaseMs: 3_600_000 })) claimed += 1;
            }),
          );
          results.push({ claim: name, tenants, claimers, claimsPerSecond: Math.round(claimed / ((performance.now() - startedAt) / 1000)) });
          await database.close();
        }
      }
    }
  } finally {
    await admin.sql`drop index if exists jobs_claim_before_idx`.catch(() => undefined);
    await listening.unlisten();
    await admin.close();
    await postgres.stop();
  }
  return { queuedJobs: QUEUED_JOBS, results };
}

/**
 * `claimNextJob` as it was before fair sharing (issue 16, at dd1719d), used nowhere but here: priority
 * then age over every tenant's jobs, whatever the tenant. The same statement, prepared, and its row
 * mapped, as the claim is, so the two differ only in their order (and index).
 */
async function claimBeforeFairSharing(db: Database, options: { machineId: string; leaseMs: number }): Promise<unknown> {
  const rows = await executePrepared(db, rawSql`
    with next as (
      select id from jobs
      where status = 'QUEUED' and run_after <= now()
      order by priority desc nulls last, created_at, id
      limit 1
      for update skip locked
    ), claimed as (
      update jobs set
        status = 'RUNNING',
        attempts = jobs.attempts + 1,
        lease_id = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}),
        machine_id = ${options.machineId},
        started_at = coalesce(jobs.started_at, now()),
        progress_phase = case when jobs.source_url is not null and jobs.source_fetched_at is null then 'FETCHING' else 'DOWNLOADING' end,
        progress_percent = 0,
        progress_speed = null,
        progress_eta_seconds = null,
        progress_out_time_seconds = null,
        progress_updated_at = now(),
        version = jobs.version + 1,
        updated_at = now()
      from next
      where jobs.id = next.id
      returning jobs.*
    ), event as (
      insert into job_events (job_id, type, from_status, to_status, attempt, machine_id)
      select id, 'claimed', 'QUEUED', 'RUNNING', attempts, ${options.machineId} from claimed
    )
    select claimed.*, ${jobChangedNotifyExpression('claimed')}, set_config('synchronous_commit', 'off', true)
    from claimed`);
  const row = rows[0];
  return row ? mapRow(jobsTable, row) : null;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
