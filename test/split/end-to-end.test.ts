import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, jobUuid, runMutation, START_JOB, upload } from '../support/jobs.js';
import { startWorker, waitFor, type WorkerProcess } from '../support/worker.js';
import { allowParts, readSplitJob, readTaskRows } from './api-support.js';
import { audioAtJoins, countVideoFrames, decodeAudio, generateCounterSource, videoDuration } from './support/split-media.js';

const FPS = 25;
const SECONDS = 40;

/**
 * Split and stitch end to end (issue 18): the real API, real worker processes (the transcoder as
 * machines run it) and real ffmpeg on a 40 s source with a burned-in frame counter and a tone. The
 * workers are started by hand, each with its own machine id, so a test can kill the one running a part;
 * the pool stays paused and the split policy is given the parts a pool of that size would allow.
 */
describe('a long video transcoded in parts on several workers, stitched into one job', () => {
  let app: TestApp;
  let dir: string;
  let source: Buffer;
  beforeAll(async () => {
    app = await startTestApp({ SPLIT_MIN_SECONDS: '20', LEASE_MS: '3000', RETRY_BASE_MS: '0', MAX_ATTEMPTS: '3' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-split-e2e-'));
    source = await fs.readFile(await generateCounterSource(path.join(dir, 'counter.mp4'), { seconds: SECONDS, fps: FPS }));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  function startWorkers(count: number, prefix: string): WorkerProcess[] {
    return Array.from({ length: count }, (_, index) => startWorker(app, { FLY_MACHINE_ID: `${prefix}-${index + 1}`, WORKER_IDLE_MS: '60000' }));
  }
  async function submit(outputs: unknown[]): Promise<string> {
    const job = await createJob(app, { source: { filename: 'counter.mp4', contentType: 'video/mp4', sizeBytes: source.length }, outputs });
    await upload(job, source);
    expect((await runMutation(app, START_JOB, job.id)).status).toBe('QUEUED');
    return job.id as string;
  }
  const finished = (id: string) =>
    waitFor(async () => {
      const job = await readSplitJob(app, id);
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status) ? job : undefined;
    }, 240_000, `job ${id} to finish`);
  /** A VIDEO_PART that is encoding (it has reported progress), with the machine it runs on. */
  const partEncoding = (uuid: string) =>
    waitFor(async () => {
      const rows = await app.server.services.db.execute<{ index: number; machine_id: string }>(sql`
        select index, machine_id from job_tasks where job_id = ${uuid} and kind = 'VIDEO_PART' and status = 'RUNNING' and progress_percent > 0 order by index limit 1`);
      return rows[0];
    }, 120_000, `a part of ${uuid} to be encoding`);
  async function download(url: string, name: string): Promise<string> {
    const file = path.join(dir, name);
    await fs.writeFile(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
    return file;
  }
  async function expectWholeVideo(file: string) {
    expect(Math.abs((await countVideoFrames(file)) - SECONDS * FPS)).toBeLessThanOrEqual(1);
    expect(Math.abs((await videoDuration(file)) - SECONDS)).toBeLessThan(0.05);
  }

  it('splits into 3 parts on 3 workers: the MP4 and the HLS have every frame, the audio is continuous at the joins', async () => {
    allowParts(app, 3);
    const workers = startWorkers(3, 'three');
    const id = await submit([{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P240'] } }, { video: { preset: 'HLS', qualities: ['P144'] } }, { audio: { format: 'MP3', bitrateKbps: 96 } }]);
    const job = await finished(id);
    expect(job, workers.map((worker) => worker.output()).join('\n')).toMatchObject({ status: 'COMPLETED', parallelism: 3, attempts: 1, progress: { phase: 'DONE', percent: 100 } });
    const tasks = await readTaskRows(app, jobUuid(id));
    expect(tasks.map((task) => [task.kind, task.status])).toEqual([
      ['AUDIO', 'DONE'],
      ['VIDEO_PART', 'DONE'],
      ['VIDEO_PART', 'DONE'],
      ['VIDEO_PART', 'DONE'],
      ['STITCH', 'DONE'],
    ]);
    // The parts ran on more than one worker.
    expect(new Set(tasks.map((task) => task.machine_id)).size).toBeGreaterThan(1);
    const byName = Object.fromEntries(job.outputs.map((output: { name: string; url: string }) => [output.name, output]));
    expect(Object.keys(byName).sort()).toEqual(['hls', 'mp3-96k', 'web-240p']);

    const mp4 = await download(byName['web-240p'].url, 'three.mp4');
    await expectWholeVideo(mp4);
    const cuts = await app.server.services.db.execute<{ start_seconds: number }>(
      sql`select start_seconds from job_tasks where job_id = ${jobUuid(id)} and kind = 'VIDEO_PART' and index > 1 order by index`,
    );
    for (const join of audioAtJoins(await decodeAudio(mp4), cuts.map((row) => Number(row.start_seconds)))) {
      expect(join.relativeRms, `RMS at ${join.atSeconds} s`).toBeGreaterThan(0.9);
      expect(join.relativeStep, `step at ${join.atSeconds} s`).toBeLessThan(1.2);
    }
    // HLS from its URL alone: every frame, no discontinuity.
    expect(Math.abs((await countVideoFrames(byName.hls.url)) - SECONDS * FPS)).toBeLessThanOrEqual(1);
    const master = await (await fetch(byName.hls.url)).text();
    const variant = master.split('\n').find((line) => line.includes('.m3u8'))!;
    const playlist = await (await fetch(new URL(variant, byName.hls.url))).text();
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist).not.toContain('#EXT-X-DISCONTINUITY');
    expect(job.usage.machineSeconds).toBeGreaterThan(0);
  }, 300_000);

  it('retries alone a part whose worker was killed mid-encode (2 parts), and still stitches every frame', async () => {
    allowParts(app, 2);
    const workers = startWorkers(2, 'two');
    const id = await submit([{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P144'] } }]);
    const part = await partEncoding(jobUuid(id));
    const victim = workers[Number(part.machine_id.split('-').pop()) - 1]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    // A fresh worker, as the pool would start; the lease reaper hands the part back once its lease runs out.
    const spare = startWorker(app, { FLY_MACHINE_ID: 'two-spare', WORKER_IDLE_MS: '60000' });
    const job = await finished(id);
    expect(job, [...workers, spare].map((worker) => worker.output()).join('\n')).toMatchObject({ status: 'COMPLETED', parallelism: 2, attempts: 2 });
    const tasks = await readTaskRows(app, jobUuid(id));
    // Only the killed part ran twice.
    expect(tasks.map((task) => [task.kind, task.index, task.attempts])).toEqual([
      ['AUDIO', 0, 1],
      ['VIDEO_PART', 1, part.index === 1 ? 2 : 1],
      ['VIDEO_PART', 2, part.index === 2 ? 2 : 1],
      ['STITCH', 0, 1],
    ]);
    await expectWholeVideo(await download(job.outputs[0].url, 'two.mp4'));
  }, 300_000);

  it('cancels a job during its parts: every part stops, and the workers go on to the next job', async () => {
    allowParts(app, 2);
    const workers = startWorkers(2, 'cancel');
    const id = await submit([{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P144'] } }]);
    const part = await partEncoding(jobUuid(id));
    expect((await runMutation(app, CANCEL_JOB, id)).status).toBe('CANCELED');
    expect((await readTaskRows(app, jobUuid(id))).every((task) => ['CANCELED', 'DONE'].includes(task.status))).toBe(true);
    // The encoding part's worker stops it at its next heartbeat (it ends the task as canceled).
    const encoder = workers[Number(part.machine_id.split('-').pop()) - 1]!;
    await waitFor(async () => (/"msg":"job finished"[^\n]*"outcome":"canceled"/.test(encoder.output()) ? true : undefined), 60_000, 'the part to stop');
    // Each task's worker learns it at its next heartbeat and stops; both are then free for another job.
    allowParts(app, 1);
    const next = await submit([{ audio: { format: 'MP3', bitrateKbps: 64 } }]);
    expect((await finished(next)).status).toBe('COMPLETED');
    const open = await app.server.services.db.execute(sql`select 1 from job_attempts where job_id = ${jobUuid(id)} and ended_at is null`);
    expect(open).toHaveLength(0);
    expect((await readSplitJob(app, id)).status).toBe('CANCELED');
  }, 300_000);
});
