/**
 * npm run bench:progress — live progress fan-out through PostgreSQL LISTEN/NOTIFY.
 *
 * Starts an embedded PostgreSQL in a temp dir and two API instances (each its own process), creates
 * and claims 200 jobs, and opens 1,000 graphql-ws subscribers (their own process, one socket each,
 * spread over both instances). Then, with `measureRepeatedly` (3 runs each, median and spread):
 * 1. quiet: simulated workers (this process) report each job's progress at 2 Hz to one instance or
 *    the other: worker-POST-to-subscriber-frame latency, the POST's round trip, notifying commits per
 *    second per instance (counted by an outside LISTEN session), and the CPU each process spent per
 *    progress report (read from /proc, so it holds on a busy machine where latencies do not);
 * 2. the same with a second process using one core beside it (a busy loop);
 * 3. 10,000 idle subscriptions on one instance: its heap and RSS growth per subscription.
 *
 * Knobs (for quick runs): BENCH_RUNS, BENCH_JOBS, BENCH_SUBSCRIBERS, BENCH_MEASURE_MS,
 * BENCH_IDLE_SUBSCRIPTIONS; BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each instance there.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { getOrCreateSecret } from '../src/db/secrets.js';
import { silentLogger } from '../src/logger.js';
import type { InstanceReply, InstanceRequest } from './progress/api-instance.js';
import { startBusyLoop } from './progress/busy.js';
import { cpuMeter, processCpuMs, processTreeCpuMs } from './progress/cpu.js';
import { now, sleep, startCommitObserver, startSimulatedWorkers } from './progress/load.js';
import { report, type WindowResult } from './progress/report.js';
import { createRunningJobs, forkChild, type Child } from './progress/setup.js';
import type { Sample, Subscription, SubscribersReply, SubscribersRequest } from './progress/subscribers.js';
import { measureRepeatedly, percentile } from './support.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const REPORT_HZ = 2;
const WARMUP_MS = 3_000;
const DRAIN_MS = 3_000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20_000);
const IDLE_SUBSCRIPTIONS = Number(process.env.BENCH_IDLE_SUBSCRIPTIONS ?? 10_000);
const KEY = 'bench-key-0123456789abcdef';

type Instance = Child<InstanceRequest, InstanceReply> & { url: string };

async function startInstance(name: string, databaseUrl: string, directory: string): Promise<Instance> {
  const env = {
    DATABASE_URL: databaseUrl,
    DATA_DIR: path.join(directory, name),
    PORT: '0',
    API_KEYS: KEY,
    MAX_MACHINES: '0',
    LOG_LEVEL: 'warn',
    // Long enough that a starved window (a busy host) does not expire leases between windows.
    LEASE_MS: '600000',
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  };
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const { child, ready } = forkChild<InstanceRequest, InstanceReply>('api-instance.ts', { env, execArgv: ['--expose-gc', ...profile] });
  const reply = await ready;
  if (reply.type !== 'ready') throw new Error(`instance ${name} did not start`);
  return { ...child, url: reply.url };
}

/** The postmaster's pid, to count PostgreSQL's CPU (postmaster and backends). */
async function postmasterPid(databaseUrl: string): Promise<number> {
  const database = connectDatabase(databaseUrl, { max: 1 });
  try {
    const [row] = await database.sql<Array<{ data_directory: string }>>`select current_setting('data_directory') as data_directory`;
    return Number((await fs.readFile(path.join(row!.data_directory, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-progress-'));
  const postgres = await startEmbeddedPostgres({ directory: path.join(directory, 'postgres'), logger: silentLogger() });
  const instances: Instance[] = [];
  let subscribers: Child<SubscribersRequest, SubscribersReply> | null = null;
  try {
    await migrateDatabase(postgres.url);
    instances.push(await startInstance('a', postgres.url, directory), await startInstance('b', postgres.url, directory));
    const [a, b] = instances as [Instance, Instance];
    const database = connectDatabase(postgres.url, { max: 2 });
    const signingKey = await getOrCreateSecret(database.db, 'signing-key');
    await database.close();
    const postmaster = await postmasterPid(postgres.url);
    const jobs = await createRunningJobs(a.url, KEY, signingKey, JOBS);

    // 1,000 subscribers; job j reports to instance j % 2, subscriber k watches job k % 200 through
    // instance floor(k / 200) % 2: half the frames cross instances.
    const forked = forkChild<SubscribersRequest, SubscribersReply>('subscribers.ts');
    subscribers = forked.child;
    const subscriberPid = forked.child.process.pid!;
    const urls = [a.url, b.url];
    const following: Subscription[] = Array.from({ length: SUBSCRIBERS }, (_, index) => {
      const job = index % JOBS;
      const instance = Math.floor(index / JOBS) % 2;
      return { url: urls[instance]!, jobId: jobs[job]!.globalId, local: instance === job % 2 };
    });
    const opened = await subscribers.request({ type: 'open', key: KEY, subscriptions: following, perSocket: 1 }, 'opened');
    const observer = await startCommitObserver(postgres.url);
    const windows: WindowResult[] = [];

    /** One measured window: workers start, warm up, then MEASURE_MS are measured. */
    async function measureWindow(loaded: boolean): Promise<WindowResult> {
      const busy = loaded ? startBusyLoop() : null;
      const workers = startSimulatedWorkers(jobs, urls, REPORT_HZ);
      await sleep(WARMUP_MS);
      await subscribers!.request({ type: 'samples' }, 'samples');
      for (const instance of instances) await instance.request({ type: 'loop-delay', reset: true }, 'loop-delay');
      observer.reset();
      workers.reset();
      const cpu = cpuMeter({
        'API instance A': () => processCpuMs(a.process.pid!),
        'API instance B': () => processCpuMs(b.process.pid!),
        PostgreSQL: () => processTreeCpuMs(postmaster),
        subscribers: () => processCpuMs(subscriberPid),
        'workers (bench)': () => processCpuMs(process.pid),
        'busy loop': () => (busy ? processCpuMs(busy.pid) : 0),
      });
      const windowStart = now();
      await sleep(MEASURE_MS);
      const windowEnd = now();
      const cpuMs = cpu.stop();
      const commits = observer.rates(windowEnd - windowStart);
      const loopDelays = await Promise.all(instances.map((instance) => instance.request({ type: 'loop-delay', reset: false }, 'loop-delay')));
      const load = workers.snapshot();
      await workers.stop();
      busy?.stop();
      // Frames of the window's last reports still on their way would otherwise be left out, and the
      // slowest frames are the ones a percentile must not lose.
      await sleep(DRAIN_MS);
      const { samples } = await subscribers!.request({ type: 'samples' }, 'samples');
      const measured = samples.filter((sample: Sample) => sample.sentAt >= windowStart && sample.sentAt < windowEnd);
      const result: WindowResult = { loaded, windowMs: windowEnd - windowStart, samples: measured, load, commits, loopDelays, cpuMs };
      windows.push(result);
      return result;
    }

    const figures = (result: WindowResult) => {
      const latency = result.samples.map((sample) => sample.latencyMs);
      const apiCpu = result.cpuMs['API instance A']! + result.cpuMs['API instance B']!;
      return {
        p50: percentile(latency, 50),
        p99: percentile(latency, 99),
        postP50: percentile(result.load.postMs, 50),
        reportsPerSecond: result.load.reports / (result.windowMs / 1000),
        apiCpuMsPerReport: apiCpu / Math.max(1, result.load.reports),
        postgresCpuMsPerReport: result.cpuMs.PostgreSQL! / Math.max(1, result.load.reports),
      };
    };
    const quiet = await measureRepeatedly('bench:progress, quiet', async () => figures(await measureWindow(false)));
    const loaded = await measureRepeatedly('bench:progress, one core busy beside it', async () => figures(await measureWindow(true)));
    await observer.close();
    await subscribers.request({ type: 'close' }, 'closed');

    // Idle subscriptions on instance A; the same job set, one socket per subscription.
    await sleep(1_000);
    const baseline = await a.request({ type: 'memory' }, 'memory');
    const idle: Subscription[] = Array.from({ length: IDLE_SUBSCRIPTIONS }, (_, index) => ({ url: a.url, jobId: jobs[index % JOBS]!.globalId, local: true }));
    const idleOpened = await subscribers.request({ type: 'open', key: KEY, subscriptions: idle, perSocket: 1 }, 'opened');
    await sleep(2_000);
    const memory = await a.request({ type: 'memory' }, 'memory');
    await subscribers.request({ type: 'close' }, 'closed');

    report({
      jobs: JOBS,
      subscribers: SUBSCRIBERS,
      hz: REPORT_HZ,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      openMs: opened.ms,
      quiet,
      loaded,
      windows,
      idle: { count: IDLE_SUBSCRIPTIONS, openMs: idleOpened.ms, baseline, loaded: memory },
    });
  } finally {
    subscribers?.process.kill();
    for (const instance of instances) await instance.request({ type: 'stop' }, 'stopped').catch(() => {});
    await postgres.stop();
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
