/**
 * npm run bench:overhead — a 10-minute WAV to MP3 job end to end through the local stack (API,
 * embedded PostgreSQL and s3rver, a real worker process started as the emulator starts it) against
 * plain ffmpeg with the same arguments on the same file, alternating, `BENCH_RUNS` times.
 *
 * Each run also prints the worker's trace: when, after `startJob`, it claimed the job, started the
 * download, started ffmpeg, and finished ffmpeg, verification and the upload (its debug log lines).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { localTranscoderCommand } from '../emulator/src/transcoder-command.js';
import type { JobSpec } from '../protocol/job-spec.js';
import { machineCredential } from '../src/workers/credentials.js';
import { buildFfmpegArgs, probeFile, resolveBinaries, runPlan } from '../transcoder/src/media/index.js';
import { formatSpread, graphql, measureRepeatedly, startBenchServer } from './support.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const SPEC: JobSpec = { outputs: [{ kind: 'audio', name: 'mp3-192k', format: 'MP3', bitrateKbps: 192, sampleRate: null, channels: null, bitDepth: null }] };
/** The worker's log lines that mark its steps, in order. */
const STEPS = ['claimed job', 'downloading the source', 'transcoding', 'transcoded', 'verified', 'uploaded'] as const;

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-overhead-'));
  const { server, stop } = await startBenchServer();
  const { command, args } = localTranscoderCommand();
  const worker = spawn(command, args, {
    env: { ...process.env, API_URL: server.url, WORKER_TOKEN: machineCredential(server.services.signingKey), WORKER_IDLE_MS: '600000', LOG_LEVEL: 'debug', WORK_DIR: path.join(directory, 'work') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const trace: Array<{ msg: string; time: number }> = [];
  createInterface({ input: worker.stdout! }).on('line', (line) => {
    try {
      trace.push(JSON.parse(line) as { msg: string; time: number });
    } catch {
      // Not a log line.
    }
  });
  try {
    const source = path.join(directory, 'talk.wav');
    console.error(`generating a ${MINUTES}-minute 44.1 kHz stereo WAV...`);
    await execa(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `anoisesrc=d=${MINUTES * 60}:c=pink:r=44100:a=0.2`, '-f', 'lavfi', '-i', `sine=f=330:d=${MINUTES * 60}:sample_rate=44100`, '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le', '-y', source]);
    const bytes = await fs.readFile(source);
    // Baseline: plain ffmpeg with the arguments ffly builds for this output.
    const plan = buildFfmpegArgs(SPEC, await probeFile(source), { input: source, outputDir: path.join(directory, 'plain') });

    const results = await measureRepeatedly(
      `bench:overhead — ${MINUTES}-minute 44.1 kHz stereo WAV (${(bytes.length / 1024 ** 2).toFixed(0)} MiB) -> MP3 192 kbps, plain ffmpeg against the job after its upload`,
      async () => {
        const plainStarted = performance.now();
        await runPlan(plan, path.join(directory, 'plain'), { stallMs: 300_000 });
        const plainMs = performance.now() - plainStarted;
        await fs.rm(path.join(directory, 'plain'), { recursive: true, force: true });

        const created = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { upload { url headers { name value } } } } } }', {
          input: { source: { filename: 'talk.wav', contentType: 'audio/wav', sizeBytes: bytes.length }, outputs: [{ audio: { format: 'MP3', bitrateKbps: 192 } }] },
        });
        const job = created.createJob;
        const headers = Object.fromEntries(job.source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
        const uploadStarted = performance.now();
        await fetch(job.source.upload.url, { method: 'PUT', headers, body: bytes });
        const uploadMs = performance.now() - uploadStarted;
        trace.length = 0;
        const startedAt = Date.now();
        const started = performance.now();
        await graphql(server.url, 'mutation ($id: ID!) { startJob(id: $id) { __typename } }', { id: job.id });
        let status = '';
        while (!['COMPLETED', 'FAILED', 'CANCELED'].includes(status)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          status = (await graphql(server.url, 'query ($id: ID!) { job(id: $id) { status } }', { id: job.id })).job.status;
        }
        const afterUploadMs = performance.now() - started;
        if (status !== 'COMPLETED') throw new Error(`job ended ${status}`);
        const steps = STEPS.map((step) => {
          const entry = trace.find((line) => line.msg === step);
          return `${step} +${entry ? entry.time - startedAt : '?'} ms`;
        });
        console.log(`  worker trace after startJob: ${steps.join(', ')}; COMPLETED seen +${Math.round(afterUploadMs)} ms`);
        return { plainMs, afterUploadMs, ratio: afterUploadMs / plainMs, overheadMs: afterUploadMs - plainMs, uploadMs };
      },
    );
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const ms = (value: number) => `${Math.round(value)} ms`;
    console.log('\n| figure | median (spread) |\n| --- | --- |');
    console.log(`| plain ffmpeg, ffly's arguments | ${formatSpread(results.plainMs, seconds)} |`);
    console.log(`| ffly, startJob -> COMPLETED (claim, download, probe, encode, verify, upload, report) | ${formatSpread(results.afterUploadMs, seconds)} |`);
    console.log(`| ratio, same run | ${formatSpread(results.ratio, (value) => `${value.toFixed(3)}×`)} |`);
    console.log(`| overhead, same run | ${formatSpread(results.overheadMs, ms)} |`);
    console.log(`| the client's upload (before startJob, not counted) | ${formatSpread(results.uploadMs, seconds)} |`);
  } finally {
    worker.kill('SIGTERM');
    await stop();
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
