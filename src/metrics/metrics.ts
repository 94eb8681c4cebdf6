import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sql } from '../db/client.js';
import type { ListenHealth } from '../realtime/listen-connection.js';
import { JOB_STATUSES } from '../db/schema.js';
import type { Telemetry } from './telemetry.js';

/** What the scrape-time gauges read: the database, the LISTEN session, the scheduler's pool view. */
export interface MetricSources {
  sql: Sql;
  /** Null before the job listener started. */
  listenerHealth(): ListenHealth | null;
  /** Null when no scheduler runs in this process. */
  machines(): Promise<Array<{ state: string }>> | null;
}

export interface Metrics {
  registry: Registry;
  telemetry: Telemetry;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const JOB_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];
const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

/**
 * Every ffly metric, in one registry of its own (not prom-client's global one, so two instances in
 * one process, as in the tests, do not share counters). Labels are tenant-free and bounded: statuses,
 * states, route patterns, outcomes. Gauges about the queue and the pool are read at scrape time from
 * their source, so every instance reports the same database-wide truth; counters and histograms
 * count what this instance did (sum them over instances).
 */
export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  const prefix = 'ffly_';
  const registers = [registry];

  new Gauge({
    name: `${prefix}jobs`,
    help: 'Jobs in the database by status, counted at scrape time.',
    labelNames: ['status'],
    registers,
    async collect() {
      // One grouped count; the terminal statuses grow until retention deletes them (RETENTION_S).
      const rows = await sources.sql<Array<{ status: string; count: number }>>`select status, count(*)::int as count from jobs group by status`;
      const counts = new Map(rows.map((row) => [row.status, row.count]));
      for (const status of JOB_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'QUEUED jobs a worker could claim now (retry backoffs excluded).',
    registers,
    async collect() {
      const [row] = await sources.sql<Array<{ count: number }>>`select count(*)::int as count from jobs where status = 'QUEUED' and run_after <= now()`;
      this.set(row?.count ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}queue_oldest_age_seconds`,
    help: 'How long the oldest QUEUED job has waited since it was queued (0 with an empty queue).',
    registers,
    async collect() {
      const [row] = await sources.sql<Array<{ age: number | null }>>`
        select extract(epoch from now() - min(queued_at))::float8 as age from jobs where status = 'QUEUED'`;
      this.set(Math.max(0, row?.age ?? 0));
    },
  });
  new Gauge({
    name: `${prefix}machines`,
    help: 'Worker machines by Fly state, as the scheduler sees the pool.',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const listing = sources.machines();
      if (!listing) return;
      const counts = new Map<string, number>();
      for (const machine of await listing.catch(() => [])) counts.set(machine.state, (counts.get(machine.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: `${prefix}realtime_listener_connected`,
    help: '1 while the LISTEN session that carries job updates between instances is open.',
    registers,
    collect() {
      this.set(sources.listenerHealth()?.connected ? 1 : 0);
    },
  });
  new Counter({
    name: `${prefix}realtime_listener_reconnects_total`,
    help: 'LISTEN sessions replaced after a loss.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.listenerHealth()?.reconnects ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}realtime_listener_last_message_age_seconds`,
    help: 'Seconds since the LISTEN session last received anything (an event or its own heartbeat).',
    registers,
    collect() {
      const health = sources.listenerHealth();
      this.set(health ? Math.max(0, (Date.now() - health.lastReceivedAt) / 1000) : 0);
    },
  });

  const queueWait = new Histogram({
    name: `${prefix}job_queue_wait_seconds`,
    help: 'From a job becoming QUEUED to its claim by a worker.',
    buckets: SECONDS.concat([120, 300, 600, 1800, 3600]),
    registers,
  });
  const jobDuration = new Histogram({
    name: `${prefix}job_duration_seconds`,
    help: 'From a job first starting to its terminal status, by that status.',
    labelNames: ['status'],
    buckets: JOB_SECONDS,
    registers,
  });
  const ffmpegSpeed = new Histogram({
    name: `${prefix}ffmpeg_speed`,
    help: "ffmpeg's speed in workers' progress reports (1 = real time).",
    buckets: SPEEDS,
    registers,
  });
  const webhooks = new Counter({
    name: `${prefix}webhook_deliveries_total`,
    help: 'Webhook delivery attempts by outcome: delivered, retrying (failed, tried again later), failed (given up).',
    labelNames: ['outcome'],
    registers,
  });
  const flyCalls = new Counter({
    name: `${prefix}fly_api_calls_total`,
    help: 'HTTP attempts to the Fly Machines API by action and outcome (retries count as attempts).',
    labelNames: ['action', 'outcome'],
    registers,
  });
  const http = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP requests served by route pattern and, for /graphql, operation type (query, mutation, subscription).',
    labelNames: ['route', 'operation', 'status_class'],
    buckets: SECONDS,
    registers,
  });

  const seconds = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null);
  return {
    registry,
    telemetry: {
      jobClaimed(job) {
        const wait = seconds(job.queuedAt, new Date());
        if (wait !== null) queueWait.observe(wait);
      },
      jobFinished(job) {
        const duration = seconds(job.startedAt, job.finishedAt);
        if (duration !== null) jobDuration.observe({ status: job.status }, duration);
      },
      progressReported(speed) {
        if (speed !== null && Number.isFinite(speed) && speed >= 0) ffmpegSpeed.observe(speed);
      },
      webhookAttempted: (outcome) => webhooks.inc({ outcome }),
      flyCall: (call) => flyCalls.inc({ action: call.action, outcome: call.outcome }),
      httpRequest(request) {
        http.observe({ route: request.route, operation: request.operation, status_class: `${Math.floor(request.status / 100)}xx` }, request.seconds);
      },
    },
  };
}
