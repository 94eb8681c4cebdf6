/**
 * npm run bench:overhead — a 10-minute WAV to MP3 job end to end through the local stack (API,
 * embedded PostgreSQL and s3rver, a real worker process) against plain ffmpeg with the same arguments.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { JobSpec } from '../protocol/job-spec.js';
import { machineCredential } from '../src/workers/credentials.js';
import { buildFfmpegArgs, probeFile, resolveBinaries, runPlan } from '../transcoder/src/media/index.js';
import { describeMachine, graphql, startBenchServer } from './support.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const SPEC: JobSpec = { outputs: [{ kind: 'audio', name: 'mp3-192k', format: 'MP3', bitrateKbps: 192, sampleRate: null, channels: null, bitDepth: null }] };

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-overhead-'));
  const { server, stop } = await startBenchServer();
  const worker = spawn(process.execPath, ['--import', 'tsx', 'transcoder/src/main.ts'], {
    env: { ...process.env, API_URL: server.url, WORKER_TOKEN: machineCredential(server.services.signingKey), WORKER_IDLE_MS: '600000', LOG_LEVEL: 'warn', WORK_DIR: path.join(directory, 'work') },
    stdio: 'inherit',
  });
  try {
    const source = path.join(directory, 'talk.wav');
    console.error(`generating a ${MINUTES}-minute 44.1 kHz stereo WAV...`);
    await execa(ffmpeg, ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `anoisesrc=d=${MINUTES * 60}:c=pink:r=44100:a=0.2`, '-f', 'lavfi', '-i', `sine=f=330:d=${MINUTES * 60}:sample_rate=44100`, '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le', '-y', source]);
    const bytes = await fs.readFile(source);

    // Baseline: plain ffmpeg with the arguments ffly builds for this output.
    const probe = await probeFile(source);
    const plan = buildFfmpegArgs(SPEC, probe, { input: source, outputDir: path.join(directory, 'plain') });
    console.error('plain ffmpeg...');
    const plainStarted = performance.now();
    await runPlan(plan, path.join(directory, 'plain'), { stallMs: 300_000 });
    const plainMs = performance.now() - plainStarted;

    console.error('the same job through ffly...');
    const started = performance.now();
    const created = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { upload { url headers { name value } } } } } }', {
      input: { source: { filename: 'talk.wav', contentType: 'audio/wav', sizeBytes: bytes.length }, outputs: [{ audio: { format: 'MP3', bitrateKbps: 192 } }] },
    });
    const job = created.createJob;
    const headers = Object.fromEntries(job.source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
    await fetch(job.source.upload.url, { method: 'PUT', headers, body: bytes });
    const uploadedAt = performance.now();
    await graphql(server.url, 'mutation ($id: ID!) { startJob(id: $id) { __typename } }', { id: job.id });
    let status = '';
    while (!['COMPLETED', 'FAILED', 'CANCELED'].includes(status)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await graphql(server.url, 'query ($id: ID!) { job(id: $id) { status } }', { id: job.id })).job.status;
    }
    const doneAt = performance.now();
    if (status !== 'COMPLETED') throw new Error(`job ended ${status}`);
    const endToEnd = doneAt - started;
    const afterUpload = doneAt - uploadedAt;

    console.log(`bench:overhead — ${MINUTES}-minute 44.1 kHz stereo WAV (${(bytes.length / 1024 ** 2).toFixed(0)} MiB) -> MP3 192 kbps`);
    console.log(`machine: ${describeMachine()}`);
    console.log('| run | wall time |');
    console.log('| --- | --- |');
    console.log(`| plain ffmpeg, ffly's arguments | ${(plainMs / 1000).toFixed(2)} s |`);
    console.log(`| ffly, startJob -> COMPLETED (download, probe, encode, verify, upload, report) | ${(afterUpload / 1000).toFixed(2)} s |`);
    console.log(`| ffly, createJob -> COMPLETED (including the client's upload) | ${(endToEnd / 1000).toFixed(2)} s |`);
    console.log(`ratio: ${(afterUpload / plainMs).toFixed(3)}× plain ffmpeg after upload (overhead ${(afterUpload - plainMs).toFixed(0)} ms); ${(endToEnd / plainMs).toFixed(3)}× including the upload (overhead ${(endToEnd - plainMs).toFixed(0)} ms)`);
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
