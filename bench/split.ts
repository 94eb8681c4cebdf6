/**
 * npm run bench:split — one 2-minute 720p job (WEB_OPTIMIZED 720p) through the real local stack (API,
 * embedded PostgreSQL, s3rver, real worker processes with FFMPEG_THREADS=1, i.e. one encoding thread
 * each, standing in for one machine each): run whole on 1 machine against split on 2 machines, in the
 * same run. The workers beyond the first are started when the planner reports the split, as the
 * scheduler starts machines for the parts. From the measured machine start, planner, part, audio and
 * stitch times, a model predicts the speed-up for 4..32 machines on a 90-minute source; its
 * predictions for 1 and 2 machines are printed beside the measurements.
 *
 * BENCH_RUNS (default 3) repeats the pair; BENCH_SPLIT_SECONDS (default 120) sets the source length.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { machineCredential } from '../src/workers/credentials.js';
import { resolveBinaries } from '../transcoder/src/media/index.js';
import { predictSeconds, type SplitTimings } from './split-model.js';
import { formatSpread, graphql, measureRepeatedly, startBenchServer } from './support.js';

const SECONDS = Number(process.env.BENCH_SPLIT_SECONDS ?? 120);
const SPLIT_MIN_SECONDS = 60;

interface Claim {
  worker: number;
  kind: 'WHOLE' | 'VIDEO_PART' | 'AUDIO' | 'STITCH';
  index: number;
  lengthSeconds: number;
  claimedAt: number;
  finishedAt: number;
  outcome: string;
  /** Claim to the source on disk when the task downloaded it; 0 when it used the one its worker kept. */
  downloadSeconds: number;
}

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-split-'));
  const source = path.join(directory, 'source-720p.mp4');
  console.error(`generating a ${SECONDS} s 1280x720 30 fps H.264/AAC source...`);
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=30:d=${SECONDS}`, '-f', 'lavfi', '-i', `sine=f=440:d=${SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', source,
  ]);
  const bytes = await fs.readFile(source);
  // The bench runs the workers itself (MAX_MACHINES=0 pauses the scheduler); the split policy then
  // reads the pool size it is told: 1 machine (never split) or 2 (two parts).
  const { server, stop } = await startBenchServer({ SPLIT_MIN_SECONDS: String(SPLIT_MIN_SECONDS) });
  const config = server.services.config as { maxMachines: number };
  const lastTimings: { whole?: Claim[]; split?: Claim[] } = {};
  try {
    const runJob = async (machines: number): Promise<{ seconds: number; claims: Claim[]; startSeconds: number[] }> => {
      config.maxMachines = machines;
      const created = await graphql(server.url, 'mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { upload { url headers { name value } } } } } }', {
        input: { source: { filename: 'source.mp4', contentType: 'video/mp4', sizeBytes: bytes.length }, outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P720'] } }] },
      });
      const job = created.createJob;
      const headers = Object.fromEntries(job.source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
      await fetch(job.source.upload.url, { method: 'PUT', headers, body: bytes });
      const claims: Claim[] = [];
      const startSeconds: number[] = [];
      const workers: ChildProcess[] = [];
      const started = performance.now();
      const startWorker = () => {
        const id = workers.length;
        const spawnedAt = performance.now();
        const child = spawn(process.execPath, ['--import', 'tsx', 'transcoder/src/main.ts'], {
          env: { ...process.env, API_URL: server.url, WORKER_TOKEN: machineCredential(server.services.signingKey), WORKER_IDLE_MS: '600000', LOG_LEVEL: 'info', WORK_DIR: path.join(directory, `work-${id}`), FFMPEG_THREADS: '1', FLY_MACHINE_ID: `bench-${id}` },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        workers.push(child);
        let current: Claim | null = null;
        createInterface({ input: child.stdout! }).on('line', (line) => {
          let entry: Record<string, any>;
          try {
            entry = JSON.parse(line);
          } catch {
            return;
          }
          const at = (entry.time - performance.timeOrigin) / 1000;
          if (entry.msg === 'worker started') startSeconds.push(at - spawnedAt / 1000);
          if (entry.msg === 'claimed job') current = { worker: id, kind: 'WHOLE', index: 0, lengthSeconds: SECONDS, claimedAt: at, finishedAt: NaN, outcome: '', downloadSeconds: 0 };
          if (entry.msg === 'running task' && current) Object.assign(current, { kind: entry.kind, index: entry.index, lengthSeconds: entry.kind === 'VIDEO_PART' ? entry.end - entry.start : SECONDS });
          if (entry.msg === 'source ready' && current && !entry.kept) current.downloadSeconds = at - current.claimedAt;
          if (entry.msg === 'split the job' && workers.length < machines) for (let more = workers.length; more < machines; more++) startWorker();
          if (entry.msg === 'job finished' && current) {
            claims.push({ ...current, finishedAt: at, outcome: entry.outcome });
            current = null;
          }
        });
      };
      await graphql(server.url, 'mutation ($id: ID!) { startJob(id: $id) { __typename } }', { id: job.id });
      startWorker();
      let status = '';
      while (!['COMPLETED', 'FAILED', 'CANCELED'].includes(status)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await graphql(server.url, 'query ($id: ID!) { job(id: $id) { status } }', { id: job.id })).job.status;
      }
      const seconds = (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((worker) => new Promise((resolve) => (worker.exitCode !== null ? resolve(null) : worker.once('exit', resolve)))));
      if (status !== 'COMPLETED') throw new Error(`the ${machines}-machine job ended ${status}`);
      for (const claim of claims) { claim.claimedAt -= started / 1000; claim.finishedAt -= started / 1000; }
      return { seconds, claims, startSeconds };
    };

    const timingsOf = (whole: Awaited<ReturnType<typeof runJob>>, split: Awaited<ReturnType<typeof runJob>>): SplitTimings => {
      const planner = split.claims.find((claim) => claim.outcome === 'split')!;
      const parts = split.claims.filter((claim) => claim.kind === 'VIDEO_PART' && claim.outcome === 'completed');
      const audio = split.claims.find((claim) => claim.kind === 'AUDIO')!;
      const stitch = split.claims.find((claim) => claim.kind === 'STITCH')!;
      const starts = [...whole.startSeconds, ...split.startSeconds];
      const wholeClaim = whole.claims.find((claim) => claim.kind === 'WHOLE')!;
      // A task that found its worker holding the source downloads nothing; at least one of the 2-machine
      // run's tasks (the second worker's first) downloads it. None did: the planner's time bounds it.
      const downloads = split.claims.filter((claim) => claim.kind !== 'WHOLE' && claim.downloadSeconds > 0).map((claim) => claim.downloadSeconds);
      return {
        sourceSeconds: SECONDS,
        machineStartSeconds: starts.reduce((sum, value) => sum + value, 0) / starts.length,
        wholeSeconds: wholeClaim.finishedAt - wholeClaim.claimedAt,
        plannerSeconds: planner.finishedAt - planner.claimedAt,
        downloadSeconds: downloads.length ? downloads.reduce((sum, value) => sum + value, 0) / downloads.length : planner.finishedAt - planner.claimedAt,
        partSecondsPerSourceSecond: parts.reduce((sum, part) => sum + (part.finishedAt - part.claimedAt - part.downloadSeconds) / part.lengthSeconds, 0) / parts.length,
        audioSeconds: audio.finishedAt - audio.claimedAt - audio.downloadSeconds,
        stitchSeconds: stitch.finishedAt - stitch.claimedAt,
      };
    };

    const results = await measureRepeatedly(`bench:split — ${SECONDS} s 1280x720 30 fps -> WEB_OPTIMIZED 720p; workers with FFMPEG_THREADS=1; 1 machine (whole) vs 2 machines (2 parts)`, async () => {
      console.error('1 machine...');
      const whole = await runJob(1);
      console.error(`  ${whole.seconds.toFixed(1)} s; 2 machines...`);
      const split = await runJob(2);
      console.error(`  ${split.seconds.toFixed(1)} s`);
      lastTimings.whole = whole.claims;
      lastTimings.split = split.claims;
      const timings = timingsOf(whole, split);
      console.log(`  timings: ${JSON.stringify(timings)}`);
      console.log(`  claims (2 machines): ${split.claims.map((claim) => `${claim.kind}${claim.index ? claim.index : ''}@w${claim.worker} ${claim.claimedAt.toFixed(1)}-${claim.finishedAt.toFixed(1)} s (${claim.outcome}${claim.downloadSeconds ? `, download ${claim.downloadSeconds.toFixed(1)} s` : ''})`).join('; ')}`);
      return {
        oneMachineSeconds: whole.seconds,
        twoMachinesSeconds: split.seconds,
        speedUp: whole.seconds / split.seconds,
        predictedOneSeconds: predictSeconds(timings, 1, SECONDS, SPLIT_MIN_SECONDS / 2),
        predictedTwoSeconds: predictSeconds(timings, 2, SECONDS, SPLIT_MIN_SECONDS / 2),
        machineStartSeconds: timings.machineStartSeconds,
        plannerSeconds: timings.plannerSeconds,
        downloadSeconds: timings.downloadSeconds,
        partSecondsPerSourceSecond: timings.partSecondsPerSourceSecond,
        audioSeconds: timings.audioSeconds,
        stitchSeconds: timings.stitchSeconds,
        wholeSeconds: timings.wholeSeconds,
      };
    });
    const s = (value: number) => `${value.toFixed(1)} s`;
    console.log('\n| figure | median (spread) |\n| --- | --- |');
    console.log(`| 1 machine, whole (startJob -> COMPLETED) | ${formatSpread(results.oneMachineSeconds, s)} |`);
    console.log(`| 2 machines, 2 parts (startJob -> COMPLETED) | ${formatSpread(results.twoMachinesSeconds, s)} |`);
    console.log(`| speed-up (same run) | ${formatSpread(results.speedUp, (value) => `${value.toFixed(2)}x`)} |`);
    console.log(`| model, 1 machine | ${formatSpread(results.predictedOneSeconds, s)} |`);
    console.log(`| model, 2 machines | ${formatSpread(results.predictedTwoSeconds, s)} |`);
    for (const name of ['machineStartSeconds', 'plannerSeconds', 'downloadSeconds', 'audioSeconds', 'stitchSeconds', 'wholeSeconds'] as const) console.log(`| ${name} | ${formatSpread(results[name], s)} |`);
    console.log(`| partSecondsPerSourceSecond | ${formatSpread(results.partSecondsPerSourceSecond)} |`);

    const median: SplitTimings = {
      sourceSeconds: SECONDS,
      machineStartSeconds: results.machineStartSeconds.median,
      wholeSeconds: results.wholeSeconds.median,
      plannerSeconds: results.plannerSeconds.median,
      downloadSeconds: results.downloadSeconds.median,
      partSecondsPerSourceSecond: results.partSecondsPerSourceSecond.median,
      audioSeconds: results.audioSeconds.median,
      stitchSeconds: results.stitchSeconds.median,
    };
    console.log(`\nmodel for a 90-minute source (5400 s), fed with the medians above:`);
    console.log('| machines | predicted wall time | predicted speed-up | same with 20 s machine starts |\n| --- | --- | --- | --- |');
    const slowStart = { ...median, machineStartSeconds: 20 };
    for (const machines of [1, 2, 4, 8, 16, 32]) {
      const one = predictSeconds(median, 1, 5400);
      const many = predictSeconds(median, machines, 5400);
      const slow = predictSeconds(slowStart, 1, 5400) / predictSeconds(slowStart, machines, 5400);
      console.log(`| ${machines} | ${(many / 60).toFixed(1)} min | ${(one / many).toFixed(2)}x | ${slow.toFixed(2)}x |`);
    }
  } finally {
    await stop();
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
