import http from 'node:http';
import postgres from 'postgres';
import { JOB_CHANNEL } from '../../src/realtime/job-notifications.js';
import { decodeBatch } from '../../src/realtime/notification-batch.js';
import type { RunningJob } from './setup.js';

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WorkerLoadResult {
  reports: number;
  failures: number;
  /** Round trip of each progress POST, ms. */
  postMs: number[];
}

/** POSTs JSON over a keep-alive connection; node:http costs the load generator far less CPU than fetch. */
function postJson(agent: http.Agent, url: string, token: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * Simulated workers: every job reports progress `hz` times a second to the instance `urls[i % n]`
 * (phases spread at random), as a transcoder would. Each report carries its send time, in epoch
 * seconds, as `outTimeSeconds`: subscribers read it back from the frame to measure the latency.
 */
export function startSimulatedWorkers(jobs: RunningJob[], urls: string[], hz: number) {
  let result: WorkerLoadResult = { reports: 0, failures: 0, postMs: [] };
  const periodMs = 1000 / hz;
  let stopped = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  const loops = jobs.map(async ({ claimed }, index) => {
    const url = `${urls[index % urls.length]}/worker/v1/jobs/${claimed.id}/progress`;
    let due = now() + Math.random() * periodMs;
    for (let tick = 1; !stopped; tick++) {
      await sleep(Math.max(0, due - now()));
      due += periodMs;
      const sentAt = now();
      const body = { phase: 'TRANSCODING', percent: Math.min(99, tick * 0.1), speed: 1.5, etaSeconds: 60, outTimeSeconds: sentAt / 1000 };
      try {
        if ((await postJson(agent, url, claimed.token, body)) !== 200) result.failures++;
      } catch {
        result.failures++;
      }
      result.reports++;
      result.postMs.push(now() - sentAt);
    }
  });
  return {
    /** Forgets what was counted so far (the warm-up). */
    reset() {
      result = { reports: 0, failures: 0, postMs: [] };
    },
    /** What was counted since the last reset. */
    snapshot: (): WorkerLoadResult => ({ ...result, postMs: [...result.postMs] }),
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/**
 * Counts notifying commits from outside the instances: every batch names its origin and the origin's
 * commit sequence number, so distinct (origin, seq) pairs are commits, however many payloads each had.
 */
export async function startCommitObserver(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let commits = new Map<string, Set<number>>();
  let perSecond = new Map<string, number[]>();
  let statusChanges = 0;
  let since = now();
  await sql.listen(JOB_CHANNEL, (payload) => {
    const batch = decodeBatch(payload);
    if (!batch) return;
    if (batch.origin === undefined || batch.seq === undefined) return void statusChanges++;
    const seen = commits.get(batch.origin) ?? new Set<number>();
    commits.set(batch.origin, seen);
    if (seen.has(batch.seq)) return;
    seen.add(batch.seq);
    const second = Math.floor((now() - since) / 1000);
    const buckets = perSecond.get(batch.origin) ?? [];
    perSecond.set(batch.origin, buckets);
    buckets[second] = (buckets[second] ?? 0) + 1;
  });
  return {
    reset() {
      commits = new Map();
      perSecond = new Map();
      statusChanges = 0;
      since = now();
    },
    /** Per origin: commits per second on average and in the busiest whole second. */
    rates(windowMs: number) {
      return [...commits].map(([origin, seqs]) => ({
        origin,
        perSecond: seqs.size / (windowMs / 1000),
        busiestSecond: Math.max(0, ...(perSecond.get(origin) ?? []).filter((count) => count !== undefined)),
      }));
    },
    statusChanges: () => statusChanges,
    close: () => sql.end(),
  };
}
