/**
 * npm run bench:api — createJob throughput and latency with concurrent clients against one API
 * instance, beside a trivial query (`{ __typename }`) on the same server in the same run; each run
 * measures both, three runs (BENCH_RUNS), the median and spread of each figure and of their ratio.
 *
 * The server runs as `npm start` does without API_KEYS (one tenant, as before). Every createJob
 * leaves a job awaiting its upload, so MAX_PENDING_UPLOADS is lifted (no call is refused) and each
 * call's cap check counts every job the run has made so far (a tenant at the default cap of 100
 * counts at most 100); the jobs of a run are removed before the next, so each run starts alike.
 */
import { formatSpread, fmt, measureRepeatedly, percentile, startBenchServer } from './support.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);

const TRIVIAL = () => JSON.stringify({ query: '{ __typename }' });
const CREATE = (index: number) =>
  JSON.stringify({
    query: 'mutation ($input: CreateJobInput!) { createJob(input: $input) { __typename ... on Job { id source { upload { url } } } } }',
    variables: {
      input: {
        source: { filename: `bench-${index}.wav`, contentType: 'audio/wav', sizeBytes: 1_000_000 },
        outputs: [{ audio: { format: 'MP3', bitrateKbps: 192 } }, { video: { preset: 'HLS', qualities: ['P720', 'P360'] } }],
      },
    },
  });

interface LoadResult {
  throughput: number;
  p50: number;
  p99: number;
  count: number;
  failures: number;
  latencies: number[];
  seconds: number;
}

/** Slices per scenario and run (each DURATION_MS / SLICES long). */
const SLICES = 5;

/** Slices of one scenario as one measurement: all their requests over all their time. */
function combine(slices: LoadResult[]): LoadResult {
  const latencies = slices.flatMap((slice) => slice.latencies);
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  return {
    throughput: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: latencies.length,
    failures: slices.reduce((sum, slice) => sum + slice.failures, 0),
    latencies,
    seconds,
  };
}

async function load(url: string, body: (index: number) => string, check: (data: any) => boolean, durationMs = DURATION_MS): Promise<LoadResult> {
  const latencies: number[] = [];
  let counter = 0;
  let failures = 0;
  const deadline = Date.now() + durationMs;
  const client = async () => {
    const headers = { 'content-type': 'application/json' };
    while (Date.now() < deadline) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: body(counter++) });
        const payload = (await response.json()) as { data?: unknown };
        latencies.push(performance.now() - started);
        if (!response.ok || !check(payload.data)) failures++;
      } catch {
        // A connection reset by an overloaded host: a failure, not the end of the run.
        failures++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const seconds = (performance.now() - started) / 1000;
  return { throughput: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length, failures, latencies, seconds };
}

async function main() {
  // Every createJob leaves a job awaiting its upload: lift the per-tenant cap (100) so none is refused.
  const { server, stop } = await startBenchServer({ MAX_PENDING_UPLOADS: '1000000' });
  try {
    // Warm up both paths (JIT, connection pool, prepared statements on every connection).
    await load(server.url, TRIVIAL, Boolean, 2_000);
    await load(server.url, CREATE, Boolean, 2_000);
    const runs: Array<{ trivial: LoadResult; create: LoadResult }> = [];
    const figures = await measureRepeatedly(
      `bench:api — ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s per scenario and run in ${SLICES} alternating slices, one instance`,
      async () => {
        await server.services.sql`truncate jobs cascade`;
        // The two scenarios alternate in short slices, so a change in the host's load (other work
        // starting or ending) falls on both alike rather than on whichever ran second.
        const trivialSlices: LoadResult[] = [];
        const createSlices: LoadResult[] = [];
        for (let slice = 0; slice < SLICES; slice++) {
          trivialSlices.push(await load(server.url, TRIVIAL, (data) => data?.__typename === 'Query', DURATION_MS / SLICES));
          createSlices.push(await load(server.url, CREATE, (data) => data?.createJob?.__typename === 'Job', DURATION_MS / SLICES));
        }
        const trivial = combine(trivialSlices);
        const create = combine(createSlices);
        runs.push({ trivial, create });
        return {
          typenameRps: trivial.throughput,
          createJobRps: create.throughput,
          ratio: create.throughput / trivial.throughput,
          typenameP50: trivial.p50,
          createJobP50: create.p50,
          typenameP99: trivial.p99,
          createJobP99: create.p99,
        };
      },
    );
    const failures = (pick: (run: (typeof runs)[number]) => LoadResult) => runs.reduce((sum, run) => sum + pick(run).failures, 0);
    const requests = (pick: (run: (typeof runs)[number]) => LoadResult) => runs.reduce((sum, run) => sum + pick(run).count, 0);
    const rps = (value: number) => value.toFixed(0);
    console.log('| scenario | req/s | p50 | p99 | requests (all runs) | failures |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(
      `| \`{ __typename }\` (baseline) | ${formatSpread(figures.typenameRps, rps)} | ${formatSpread(figures.typenameP50, fmt)} | ${formatSpread(figures.typenameP99, fmt)} | ${requests((run) => run.trivial)} | ${failures((run) => run.trivial)} |`,
    );
    console.log(
      `| \`createJob\` (2 outputs, presigned PUT) | ${formatSpread(figures.createJobRps, rps)} | ${formatSpread(figures.createJobP50, fmt)} | ${formatSpread(figures.createJobP99, fmt)} | ${requests((run) => run.create)} | ${failures((run) => run.create)} |`,
    );
    console.log(`ratio (createJob req/s over { __typename } req/s, each run's own): ${formatSpread(figures.ratio, (value) => `${value.toFixed(3)}×`)}; target at least 0.5×`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
