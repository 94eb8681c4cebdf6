import { describeMachine, fmt, percentile } from '../support.js';
import type { WorkerLoadResult } from './load.js';
import type { Sample } from './subscribers.js';

export interface ProgressBenchResult {
  jobs: number;
  subscribers: number;
  hz: number;
  measureMs: number;
  /** Time to open every phase-1 subscription and receive its first event. */
  openMs: number;
  samples: Sample[];
  load: WorkerLoadResult;
  commits: Array<{ origin: string; perSecond: number; busiestSecond: number }>;
  statusChanges: number;
  /** Per instance, over the measured window. */
  loopDelays: Array<{ p50: number; p99: number; max: number }>;
  idle: { count: number; openMs: number; baseline: Memory; loaded: Memory };
}

interface Memory {
  heapUsed: number;
  rss: number;
}

const TARGETS = { p50: 20, p99: 100, commitsPerSecond: 20, bytesPerSubscription: 40 * 1024 };
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** Prints the run as the `## bench:progress` section of docs/BENCHMARKS.md. */
export function report(result: ProgressBenchResult): void {
  const latency = (samples: Sample[]) => samples.map((sample) => sample.latencyMs);
  const all = latency(result.samples);
  const local = latency(result.samples.filter((sample) => sample.local));
  const remote = latency(result.samples.filter((sample) => !sample.local));
  const seconds = result.measureMs / 1000;
  const { baseline, loaded, count } = result.idle;
  const heapPer = (loaded.heapUsed - baseline.heapUsed) / count;
  const rssPer = (loaded.rss - baseline.rss) / count;
  const worstCommits = Math.max(...result.commits.map((commit) => commit.perSecond));
  const row = (name: string, values: number[]) =>
    `| ${name} | ${values.length} | ${fmt(percentile(values, 50))} | ${fmt(percentile(values, 90))} | ${fmt(percentile(values, 99))} | ${fmt(Math.max(...values))} |`;

  const lines = [
    '## bench:progress',
    '',
    `Command: \`npm run bench:progress\`. Machine: ${describeMachine()}.`,
    `Two API instances (own processes) on one embedded PostgreSQL (default durable settings); ${result.subscribers} graphql-ws`,
    `subscribers (own process, one socket each) over ${result.jobs} jobs, each job reporting at ${result.hz} Hz to one of the`,
    `instances; ${seconds} s measured after 5 s of warm-up. Subscribers and workers are spread so that half the frames`,
    'cross instances (NOTIFY round trip) and half are served by the instance that took the report.',
    '',
    '| worker POST → subscriber frame | frames | p50 | p90 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    row('all frames', all),
    row('same instance', local),
    row('across instances', remote),
    '',
    `| figure | measured | target |`,
    '| --- | --- | --- |',
    `| latency p50 / p99 (all frames) | ${fmt(percentile(all, 50))} / ${fmt(percentile(all, 99))} | ≤ 20 ms / ≤ 100 ms: ${verdict(percentile(all, 50) <= TARGETS.p50)} / ${verdict(percentile(all, 99) <= TARGETS.p99)} |`,
    `| notifying commits per second, per instance (busiest second, by arrival) | ${result.commits.map((commit) => `${commit.perSecond.toFixed(1)} (${commit.busiestSecond})`).join(', ')} | ≤ 20: ${verdict(worstCommits <= TARGETS.commitsPerSecond)} |`,
    `| memory per idle subscription (${count.toLocaleString('en')} on one instance, one socket each) | heap ${kb(heapPer)}, RSS ${kb(rssPer)} | ≤ 40 KB: ${verdict(Math.max(heapPer, rssPer) <= TARGETS.bytesPerSubscription)} |`,
    '',
    `Load: ${result.load.reports} progress reports (${(result.load.reports / (seconds + 5)).toFixed(0)}/s incl. warm-up), ${result.load.failures} failed;`,
    `worker POST round trip p50 ${fmt(percentile(result.load.postMs, 50))}, p99 ${fmt(percentile(result.load.postMs, 99))}.`,
    `Event-loop delay per instance, sampled every 1 ms (p50 / p99 / max): ${result.loopDelays.map((delay) => `${fmt(delay.p50)} / ${fmt(delay.p99)} / ${fmt(delay.max)}`).join('; ')}.`,
    `Status-change notifications during the window: ${result.statusChanges}. Opening the ${result.subscribers} subscriptions took`,
    `${(result.openMs / 1000).toFixed(1)} s; the ${count.toLocaleString('en')} idle ones ${(result.idle.openMs / 1000).toFixed(1)} s. Idle instance: heap`,
    `${kb(baseline.heapUsed)} → ${kb(loaded.heapUsed)}, RSS ${kb(baseline.rss)} → ${kb(loaded.rss)} (after full GCs).`,
  ];
  console.log(lines.join('\n'));
}
