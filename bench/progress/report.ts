import { describeMachine, fmt, formatSpread, loadAverage, percentile, type Spread } from '../support.js';
import type { WorkerLoadResult } from './load.js';
import type { Sample } from './subscribers.js';

/** One measured window of phase 1. */
export interface WindowResult {
  /** Whether a second process used one core meanwhile. */
  loaded: boolean;
  windowMs: number;
  samples: Sample[];
  load: WorkerLoadResult;
  commits: Array<{ origin: string; perSecond: number; busiestSecond: number }>;
  /** Per instance, over the window. */
  loopDelays: Array<{ p50: number; p99: number; max: number }>;
  /** CPU time each process used during the window, ms. */
  cpuMs: Record<string, number>;
}

type Figures = Record<'p50' | 'p99' | 'postP50' | 'reportsPerSecond' | 'apiCpuMsPerReport' | 'postgresCpuMsPerReport', Spread>;

export interface ProgressBenchResult {
  jobs: number;
  subscribers: number;
  hz: number;
  warmupMs: number;
  measureMs: number;
  /** Time to open every subscription and receive its first event. */
  openMs: number;
  quiet: Figures;
  loaded: Figures;
  windows: WindowResult[];
  idle: { count: number; openMs: number; baseline: Memory; loaded: Memory };
}

interface Memory {
  heapUsed: number;
  rss: number;
}

const TARGETS = { p50: 20, p99: 100, loadedP99: 200, commitsPerSecond: 20, bytesPerSubscription: 40 * 1024 };
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const ms = (value: number) => fmt(value);
const perReport = (value: number) => `${value.toFixed(3)} ms`;

/** Prints the run as the `## bench:progress` section of docs/bench/progress.md. */
export function report(result: ProgressBenchResult): void {
  const { quiet, loaded } = result;
  const { baseline, count } = result.idle;
  const heapPer = (result.idle.loaded.heapUsed - baseline.heapUsed) / count;
  const rssPer = (result.idle.loaded.rss - baseline.rss) / count;
  const worstCommits = Math.max(...result.windows.flatMap((window) => window.commits.map((commit) => commit.perSecond)));
  const row = (name: string, values: number[]) =>
    `| ${name} | ${values.length} | ${fmt(percentile(values, 50))} | ${fmt(percentile(values, 90))} | ${fmt(percentile(values, 99))} | ${fmt(Math.max(...values))} |`;
  const pair = (figures: Figures, name: keyof Figures, format: (value: number) => string) => formatSpread(figures[name], format);
  const windowLine = (window: WindowResult, index: number) => {
    const total = Object.values(window.cpuMs).reduce((sum, value) => sum + value, 0);
    const cpu = Object.entries(window.cpuMs)
      .filter(([, value]) => value > 0)
      .map(([name, value]) => `${name} ${((value / window.windowMs) * 100).toFixed(0)} %`)
      .join(', ');
    return (
      `- window ${index + 1} (${window.loaded ? 'busy core beside it' : 'quiet'}): ${window.load.reports} reports, ${window.load.failures} failed, ` +
      `${window.samples.length} frames; commits/s per instance ${window.commits.map((commit) => `${commit.perSecond.toFixed(1)} (busiest ${commit.busiestSecond})`).join(', ')}; ` +
      `loop delay p99 ${window.loopDelays.map((delay) => fmt(delay.p99)).join(' / ')}; CPU of one core: ${cpu} (sum ${((total / window.windowMs) * 100).toFixed(0)} % of the 2 cores' 200 %)`
    );
  };
  const all = (loadedOnly: boolean) => result.windows.filter((window) => window.loaded === loadedOnly).flatMap((window) => window.samples);
  const latency = (samples: Sample[]) => samples.map((sample) => sample.latencyMs);

  const lines = [
    '## bench:progress',
    '',
    `Command: \`npm run bench:progress\`. Machine: ${describeMachine()}. Load average at the end: ${loadAverage()}.`,
    `Two API instances (own processes) on one embedded PostgreSQL (default durable settings); ${result.subscribers} graphql-ws`,
    `subscribers (own process, one socket each) over ${result.jobs} jobs, each job reporting at ${result.hz} Hz to one of the`,
    `instances (simulated workers, in the benchmark's own process); each window ${result.measureMs / 1000} s measured after ${result.warmupMs / 1000} s`,
    'of warm-up. Half the frames cross instances (NOTIFY round trip), half are served by the instance that took the report.',
    '"Busy core": a second process spinning on one core throughout the window.',
    '',
    '| figure (median, spread over runs) | quiet | one core busy beside it | target |',
    '| --- | --- | --- | --- |',
    `| worker POST → subscriber frame, p50 | ${pair(quiet, 'p50', ms)} | ${pair(loaded, 'p50', ms)} | ≤ 20 ms quiet: ${verdict(quiet.p50.median <= TARGETS.p50)} |`,
    `| worker POST → subscriber frame, p99 | ${pair(quiet, 'p99', ms)} | ${pair(loaded, 'p99', ms)} | ≤ 100 ms quiet: ${verdict(quiet.p99.median <= TARGETS.p99)}; ≤ 200 ms busy: ${verdict(loaded.p99.median <= TARGETS.loadedP99)} |`,
    `| worker progress POST round trip, p50 | ${pair(quiet, 'postP50', ms)} | ${pair(loaded, 'postP50', ms)} | |`,
    `| progress reports per second (offered: ${result.jobs * result.hz}) | ${pair(quiet, 'reportsPerSecond', (value) => value.toFixed(0))} | ${pair(loaded, 'reportsPerSecond', (value) => value.toFixed(0))} | |`,
    `| CPU of both API instances per report | ${pair(quiet, 'apiCpuMsPerReport', perReport)} | ${pair(loaded, 'apiCpuMsPerReport', perReport)} | |`,
    `| CPU of PostgreSQL per report | ${pair(quiet, 'postgresCpuMsPerReport', perReport)} | ${pair(loaded, 'postgresCpuMsPerReport', perReport)} | |`,
    `| notifying commits per second, per instance (worst window) | ${worstCommits.toFixed(1)} | | ≤ 20: ${verdict(worstCommits <= TARGETS.commitsPerSecond)} |`,
    `| memory per idle subscription (${count.toLocaleString('en')} on one instance, one socket each) | heap ${kb(heapPer)}, RSS ${kb(rssPer)} | | ≤ 40 KB: ${verdict(Math.max(heapPer, rssPer) <= TARGETS.bytesPerSubscription)} |`,
    '',
    'All frames of all windows:',
    '',
    '| worker POST → subscriber frame | frames | p50 | p90 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    row('quiet, same instance', latency(all(false).filter((sample) => sample.local))),
    row('quiet, across instances', latency(all(false).filter((sample) => !sample.local))),
    row('busy core, same instance', latency(all(true).filter((sample) => sample.local))),
    row('busy core, across instances', latency(all(true).filter((sample) => !sample.local))),
    '',
    ...result.windows.map(windowLine),
    '',
    `Opening the ${result.subscribers} subscriptions took ${(result.openMs / 1000).toFixed(1)} s; the ${count.toLocaleString('en')} idle ones`,
    `${(result.idle.openMs / 1000).toFixed(1)} s. Idle instance: heap ${kb(baseline.heapUsed)} → ${kb(result.idle.loaded.heapUsed)}, RSS ${kb(baseline.rss)} → ${kb(result.idle.loaded.rss)} (after full GCs).`,
  ];
  console.log(lines.join('\n'));
}
