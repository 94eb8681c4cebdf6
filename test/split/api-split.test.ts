import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import type { TestApp } from '../support/app.js';
import { CANCEL_JOB, jobUuid, runMutation } from '../support/jobs.js';
import { drain, queueVideoJob, readSplitJob, readTaskRows, scriptedWorker, startSplitApp } from './api-support.js';

/** Split and stitch, the API side (issue 18): the protocol driven by a scripted worker over HTTP. */
describe('split jobs: the planner, the tasks and their claims', () => {
  let app: TestApp;
  let worker: ReturnType<typeof scriptedWorker>;
  beforeAll(async () => {
    ({ app, worker } = await startSplitApp());
  });
  afterAll(() => app.stop());

  /** Queues a video job, claims it whole and splits it into parts at `cuts` of a 30 s source. */
  async function splitJob(cuts = [10, 20]) {
    const id = await queueVideoJob(app);
    const planner = (await worker.claim('planner'))!;
    expect(planner.id).toBe(jobUuid(id));
    expect((await worker.split(planner, cuts)).body).toEqual({ status: 'ok' });
    return { id, uuid: jobUuid(id), planner };
  }
  /** Claims the next task, which must be of `uuid`. */
  async function claimTask(uuid: string, machineId = 'machine-1'): Promise<ClaimedJob> {
    const claimed = (await worker.claim(machineId))!;
    expect(claimed.id).toBe(uuid);
    expect(claimed.task).not.toBeNull();
    return claimed;
  }

  it('hands the planner a split policy, and turns its cuts into an audio task, the parts and a waiting stitch', async () => {
    await drain(app);
    const id = await queueVideoJob(app);
    const planner = (await worker.claim('planner'))!;
    // MAX_MACHINES parts at most; parts of at least min(60, SPLIT_MIN_SECONDS / 2) seconds.
    expect(planner.split).toEqual({ minSourceSeconds: 20, maxParts: 3, minPartSeconds: 10 });
    expect(planner.task).toBeNull();
    // Plans the policy does not allow are refused, and change nothing.
    expect((await worker.split(planner, [5, 10, 20])).status).toBe(400);
    expect((await worker.split(planner, [20, 10])).status).toBe(400);
    expect((await worker.split(planner, [30])).status).toBe(400);
    expect(await readTaskRows(app, jobUuid(id))).toEqual([]);

    expect(await worker.split(planner, [10, 20])).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await readTaskRows(app, jobUuid(id))).map((task) => [task.kind, task.index, task.status])).toEqual([
      ['AUDIO', 0, 'QUEUED'],
      ['VIDEO_PART', 1, 'QUEUED'],
      ['VIDEO_PART', 2, 'QUEUED'],
      ['VIDEO_PART', 3, 'QUEUED'],
      ['STITCH', 0, 'WAITING'],
    ]);
    // The planner's lease is over: its token changes nothing any more.
    expect((await worker.progress(planner, 10)).status).toBe(409);
    const job = await readSplitJob(app, id);
    expect(job).toMatchObject({ status: 'RUNNING', parallelism: 3, attempts: 1, progress: { phase: 'TRANSCODING' } });

    // The tasks come in claim order (the parts, the critical path, before the audio), each with its
    // span, the plan and its own token.
    const claims = [];
    for (let index = 0; index < 4; index++) claims.push(await claimTask(jobUuid(id)));
    expect(claims.map((claimed) => [claimed.task!.kind, claimed.task!.index, claimed.task!.startSeconds, claimed.task!.endSeconds])).toEqual([
      ['VIDEO_PART', 1, 0, 10],
      ['VIDEO_PART', 2, 10, 20],
      ['VIDEO_PART', 3, 20, 30],
      ['AUDIO', 0, 0, 30],
    ]);
    expect(claims[1]!.task).toMatchObject({ parts: 3, plan: { sourceDurationSeconds: 30, cuts: [10, 20], probe: { frameRate: '25' } }, inputs: [] });
    expect(claims[1]!).toMatchObject({ split: null, attempt: 1, spec: planner.spec, outputs: planner.outputs });
    expect(new Set(claims.map((claimed) => claimed.token)).size).toBe(4);
    // The stitch waits for every other task.
    expect(await worker.claim()).toBeNull();
  });

  it('gives no split policy when splitting is off or there is nothing to split', async () => {
    await drain(app);
    const audioOnly = await queueVideoJob(app, { outputs: [{ audio: { format: 'MP3', bitrateKbps: 128 } }] });
    expect((await worker.claim())!).toMatchObject({ id: jobUuid(audioOnly), split: null });
    const config = app.server.services.config as { splitMinSeconds: number };
    config.splitMinSeconds = 0;
    try {
      await queueVideoJob(app);
      const claimed = (await worker.claim())!;
      expect(claimed.split).toBeNull();
      expect((await worker.split(claimed, [10])).status).toBe(400);
    } finally {
      config.splitMinSeconds = 20;
    }
  });

  it("hands out the parts of a running split job, then its audio, before another queued job, even one queued first", async () => {
    await drain(app);
    const other = await queueVideoJob(app, { priority: 5 });
    const { uuid } = await (async () => {
      // The split job is claimed first by a second priority-5 job's absence: give it priority 9.
      const id = await queueVideoJob(app, { priority: 9 });
      const planner = (await worker.claim('planner'))!;
      expect(planner.id).toBe(jobUuid(id));
      expect((await worker.split(planner, [15])).status).toBe(200);
      return { uuid: jobUuid(id) };
    })();
    const next = [(await worker.claim())!, (await worker.claim())!, (await worker.claim())!];
    expect(next.map((claimed) => [claimed.id, claimed.task?.kind, claimed.task?.index])).toEqual([
      [uuid, 'VIDEO_PART', 1],
      [uuid, 'VIDEO_PART', 2],
      [uuid, 'AUDIO', 0],
    ]);
    // Only then the other job (the stitch is still waiting).
    expect((await worker.claim())!).toMatchObject({ id: jobUuid(other), task: null });
  });

  it('makes the stitch claimable once every part and the audio are done, with their files as inputs', async () => {
    await drain(app);
    const { uuid } = await splitJob([15]);
    const [part1, part2, audio] = [await claimTask(uuid), await claimTask(uuid), await claimTask(uuid)];
    expect((await worker.finishPart(part2)).body).toEqual({ status: 'ok' });
    expect((await worker.finishPart(audio)).body).toEqual({ status: 'ok' });
    expect(await worker.claim()).toBeNull();
    // A file that was never uploaded is refused.
    expect((await worker.call(part1, 'task-complete', { files: [{ path: 'split/video/missing.ts', sizeBytes: 3 }], outputs: [], notices: [] })).status).toBe(422);
    expect((await worker.finishPart(part1)).body).toEqual({ status: 'ok' });
    const stitch = await claimTask(uuid, 'machine-stitch');
    expect(stitch.task!.kind).toBe('STITCH');
    expect(stitch.task!.inputs.map((input) => [input.kind, input.index, input.files.map((file) => file.path)])).toEqual([
      ['AUDIO', 0, ['split/video/part-0.ts']],
      ['VIDEO_PART', 1, ['split/video/part-1.ts']],
      ['VIDEO_PART', 2, ['split/video/part-2.ts']],
    ]);
    expect(await (await fetch(stitch.task!.inputs[2]!.files[0]!.url)).text()).toBe(`part 2 of ${uuid}`);
    // A done part's token changes nothing any more: no second completion, no uploads.
    expect((await worker.call(part1, 'task-complete', { files: [], outputs: [], notices: [] })).status).toBe(409);
    expect((await worker.call(part1, 'uploads', { files: [{ path: 'x.ts', contentType: 'video/mp2t', sizeBytes: 1 }] })).status).toBe(409);
  });

  it("completes the job with the stitch's outputs and the audio task's, and counts every part's machine time", async () => {
    await drain(app);
    const { id, uuid } = await splitJob([15]);
    for (const machine of ['machine-b', 'machine-c']) expect((await worker.finishPart(await claimTask(uuid, machine))).body).toEqual({ status: 'ok' });
    const audio = await claimTask(uuid, 'machine-a');
    const audioFiles = await worker.uploadFiles(audio, [
      { path: 'split/audio/aac-128k.m4a', body: 'aac' },
      { path: 'mp3-128k.mp3', body: 'mp3 bytes', contentType: 'audio/mpeg' },
    ]);
    const audioOutputs = [{ name: 'mp3-128k', sizeBytes: 9, durationSeconds: 30, skippedReason: null }];
    expect((await worker.call(audio, 'task-complete', { files: audioFiles, outputs: audioOutputs, notices: ['from the audio'] })).body).toEqual({ status: 'ok' });
    const stitch = await claimTask(uuid, 'machine-d');
    await worker.progress(stitch, 50);
    expect((await readSplitJob(app, id)).progress.phase).toBe('UPLOADING');
    const web = stitch.outputs.find((output) => output.contentType === 'video/mp4')!;
    await worker.uploadFiles(stitch, [{ path: web.fileName, body: 'stitched video', contentType: 'video/mp4' }]);
    const completed = await worker.call(stitch, 'complete', {
      outputs: [{ name: web.name, sizeBytes: 14, durationSeconds: 30, skippedReason: null, width: 640, height: 360 }],
      notices: ['from the stitch'],
      sourceDurationSeconds: 30,
    });
    expect(completed.body).toEqual({ status: 'ok' });
    const job = await readSplitJob(app, id);
    expect(job).toMatchObject({ status: 'COMPLETED', parallelism: 2, attempts: 1, machineId: 'machine-d', progress: { phase: 'DONE', percent: 100 } });
    expect(job.notices).toEqual(['from the audio', 'from the stitch']);
    const byName = Object.fromEntries(job.outputs.map((output: { name: string; url: string }) => [output.name, output]));
    expect(await (await fetch(byName['mp3-128k'].url)).text()).toBe('mp3 bytes');
    expect(await (await fetch(byName[web.name].url)).text()).toBe('stitched video');
    // Usage: the planner's lease and every task's (parts carry their index, the audio -1, the stitch 0).
    const attempts = await app.server.services.db.execute<{ part: number | null; ended: boolean }>(
      sql`select part, ended_at is not null as ended from job_attempts where job_id = ${uuid} order by id`,
    );
    expect(attempts.map((row) => [row.part, row.ended])).toEqual([
      [null, true],
      [1, true],
      [2, true],
      [-1, true],
      [0, true],
    ]);
    expect(job.usage.machineSeconds).toBeGreaterThan(0);
    expect((await readTaskRows(app, uuid)).every((task) => task.status === 'DONE')).toBe(true);
  });

  it('weighs the parts into one progress figure for the job, never going back', async () => {
    await drain(app);
    const { id, uuid } = await splitJob([15]);
    const [part1, , audio] = [await claimTask(uuid), await claimTask(uuid), await claimTask(uuid)];
    await worker.progress(part1, 50);
    const half = (await readSplitJob(app, id)).progress;
    expect(half.phase).toBe('TRANSCODING');
    expect(half.percent).toBeGreaterThan(10);
    expect(half.percent).toBeLessThan(50);
    expect(half.etaSeconds).toBeGreaterThanOrEqual(0);
    await worker.finishPart(audio);
    expect((await readSplitJob(app, id)).progress.percent).toBeGreaterThan(half.percent);
    await runMutation(app, CANCEL_JOB, id);
  });
});
