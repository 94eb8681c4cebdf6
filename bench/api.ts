/**
 * npm run bench:api — createJob throughput and latency with concurrent clients against one API
 * instance, beside a trivial query (`{ __typename }`) on the same server in the same run.
 */
import { describeMachine, fmt, percentile, startBenchServer } from './support.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);

const TRIVIAL = JSON.stringify({ query: '{ __typename }' });
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

async function load(url: string, body: (index: number) => string, check: (data: any) => boolean) {
  const latencies: number[] = [];
  let counter = 0;
  let failures = 0;
  const deadline = Date.now() + DURATION_MS;
  const client = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(counter++) });
      const payload = (await response.json()) as { data?: unknown };
      latencies.push(performance.now() - started);
      if (!response.ok || !check(payload.data)) failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const seconds = (performance.now() - started) / 1000;
  return { throughput: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length, failures };
}

async function main() {
  // Every createJob leaves a job awaiting its upload: lift the per-tenant cap (100) so none is refused.
  const { server, stop } = await startBenchServer({ MAX_PENDING_UPLOADS: '1000000' });
  try {
    // Warm up both paths (JIT, connection pool, prepared statements).
    await load(server.url, () => TRIVIAL, Boolean).catch(() => {});
    const trivial = await load(server.url, () => TRIVIAL, (data) => data?.__typename === 'Query');
    const create = await load(server.url, CREATE, (data) => data?.createJob?.__typename === 'Job');
    console.log(`bench:api — ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s per scenario, one instance`);
    console.log(`machine: ${describeMachine()}`);
    console.log('| scenario | requests | req/s | p50 | p99 | failures |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [name, result] of [['`{ __typename }` (baseline)', trivial], ['`createJob` (2 outputs, presigned PUT)', create]] as const) {
      console.log(`| ${name} | ${result.count} | ${result.throughput.toFixed(0)} | ${fmt(result.p50)} | ${fmt(result.p99)} | ${result.failures} |`);
    }
    console.log(`ratio: createJob throughput is ${(create.throughput / trivial.throughput).toFixed(3)}× the trivial query's; p50 ${(create.p50 / trivial.p50).toFixed(2)}×, p99 ${(create.p99 / trivial.p99).toFixed(2)}×`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
