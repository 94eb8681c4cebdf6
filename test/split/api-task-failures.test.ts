import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import type { TestApp } from '../support/app.js';
import { CANCEL_JOB, jobUuid, runMutation } from '../support/jobs.js';
import { drain, queueVideoJob, readSplitJob, readTaskRows, scriptedWorker, startSplitApp } from './api-support.js';

/** Split jobs when things go wrong (issue 18): a part fails, its worker vanishes, the job is canceled. */
describe('split jobs: retries, lost leases and cancels, per task', () => {
  let app: TestApp;
  let worker: ReturnType<typeof scriptedWorker>;
  beforeAll(async () => {
    ({ app, worker } = await startSplitApp());
  });
  afterAll(() => app.stop());

  /** A split job in 3 parts with every task but the stitch claimed: [audio, part 1, part 2, part 3] (machines 3, 0, 1, 2). */
  async function runningParts() {
    await drain(app);
    const id = await queueVideoJob(app);
    const planner = (await worker.claim('planner'))!;
    expect((await worker.split(planner, [10, 20])).status).toBe(200);
    const tasks: ClaimedJob[] = [];
    for (let index = 0; index < 4; index++) tasks.push((await worker.claim(`machine-${index}`))!);
    expect(tasks.map((task) => task.id)).toEqual(Array(4).fill(jobUuid(id)));
    // Claimed parts first, the audio last; handed back in table order.
    expect(tasks.map((task) => task.task!.kind)).toEqual(['VIDEO_PART', 'VIDEO_PART', 'VIDEO_PART', 'AUDIO']);
    return { id, uuid: jobUuid(id), tasks: [tasks[3]!, ...tasks.slice(0, 3)] };
  }
  const fail = (claimed: ClaimedJob, code: string) => worker.call(claimed, 'fail', { code, message: `${code} on purpose`, detail: null });
  const fileExists = async (uuid: string, leaseId: string, path: string) => (await app.server.services.store.head(`jobs/${uuid}/attempts/${leaseId}/${path}`)) !== null;

  it('retries a part that failed in a retryable way alone: the other parts stay DONE with their files', async () => {
    const { id, uuid, tasks } = await runningParts();
    const [audio, part1, part2] = tasks as [ClaimedJob, ClaimedJob, ClaimedJob, ClaimedJob];
    expect((await worker.finishPart(part1)).body).toEqual({ status: 'ok' });
    expect((await worker.finishPart(audio)).body).toEqual({ status: 'ok' });
    const before = await readTaskRows(app, uuid);
    expect((await fail(part2, 'STALLED')).body).toEqual({ status: 'ok' });

    const after = await readTaskRows(app, uuid);
    expect(after.map((task) => [task.kind, task.index, task.status, task.attempts])).toEqual([
      ['AUDIO', 0, 'DONE', 1],
      ['VIDEO_PART', 1, 'DONE', 1],
      ['VIDEO_PART', 2, 'QUEUED', 1],
      ['VIDEO_PART', 3, 'RUNNING', 1],
      ['STITCH', 0, 'WAITING', 0],
    ]);
    // The done tasks keep their lease (the prefix of their files) and their files.
    expect(after[1]!.lease_id).toBe(before[1]!.lease_id);
    expect(await fileExists(uuid, after[1]!.lease_id!, 'split/video/part-1.ts')).toBe(true);
    expect((await readSplitJob(app, id)).status).toBe('RUNNING');
    // The failed attempt's token is spent; the part comes back to the next claimer, as attempt 2.
    expect((await worker.progress(part2, 10)).status).toBe(409);
    const retried = (await worker.claim('machine-retry'))!;
    expect(retried.task).toMatchObject({ kind: 'VIDEO_PART', index: 2 });
    expect(retried.attempt).toBe(2);
    // The job's attempts: its whole-job claim plus one retried part.
    expect(await readSplitJob(app, id)).toMatchObject({ attempts: 2, machineId: 'machine-retry', parallelism: 3 });
    expect((await worker.finishPart(retried)).body).toEqual({ status: 'ok' });
    expect((await worker.finishPart(tasks[3]!)).body).toEqual({ status: 'ok' });
    expect((await worker.claim())!.task!.kind).toBe('STITCH');
  });

  it('fails the job when a part fails for good, and every other task learns it is canceled', async () => {
    const { id, uuid, tasks } = await runningParts();
    const [audio, part1, part2, part3] = tasks as [ClaimedJob, ClaimedJob, ClaimedJob, ClaimedJob];
    expect((await worker.finishPart(part3)).body).toEqual({ status: 'ok' });
    expect((await fail(part1, 'FFMPEG_FAILED')).body).toEqual({ status: 'ok' });
    const job = await readSplitJob(app, id);
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'FFMPEG_FAILED' } });
    expect((await worker.progress(audio, 50)).body).toEqual({ status: 'canceled' });
    expect((await worker.call(part2, 'uploads', { files: [{ path: 'a.ts', contentType: 'video/mp2t', sizeBytes: 1 }] })).body).toEqual({ status: 'canceled' });
    expect((await readTaskRows(app, uuid)).map((task) => task.status)).toEqual(['CANCELED', 'FAILED', 'CANCELED', 'DONE', 'CANCELED']);
    expect(await worker.claim()).toBeNull();
  });

  it('fails the job once a part has used up its attempts', async () => {
    const { id, tasks } = await runningParts();
    expect((await fail(tasks[2]!, 'INTERNAL')).body).toEqual({ status: 'ok' });
    const again = (await worker.claim())!;
    expect(again.attempt).toBe(2);
    expect((await fail(again, 'INTERNAL')).body).toEqual({ status: 'ok' });
    expect(await readSplitJob(app, id)).toMatchObject({ status: 'FAILED', error: { code: 'INTERNAL' } });
  });

  it('requeues a part whose lease expired alone, and its late worker is told it lost the part', async () => {
    const { id, uuid, tasks } = await runningParts();
    const [audio, part1, part2] = tasks as [ClaimedJob, ClaimedJob, ClaimedJob, ClaimedJob];
    expect((await worker.finishPart(audio)).body).toEqual({ status: 'ok' });
    // Part 2's worker stops reporting: its lease runs out (backdated rather than waited for).
    await app.server.services.db.execute(sql`update job_tasks set lease_expires_at = now() - interval '1 second' where job_id = ${uuid} and kind = 'VIDEO_PART' and index = 2`);
    await app.server.background.leaseReaper.sweep();
    expect((await readTaskRows(app, uuid)).map((task) => [task.kind, task.index, task.status, task.attempts])).toEqual([
      ['AUDIO', 0, 'DONE', 1],
      ['VIDEO_PART', 1, 'RUNNING', 1],
      ['VIDEO_PART', 2, 'QUEUED', 1],
      ['VIDEO_PART', 3, 'RUNNING', 1],
      ['STITCH', 0, 'WAITING', 0],
    ]);
    expect((await readSplitJob(app, id)).status).toBe('RUNNING');
    // The others' leases go on: part 1 still reports.
    expect((await worker.progress(part1, 40)).body).toEqual({ status: 'ok' });
    const retried = (await worker.claim('machine-new'))!;
    expect(retried.task).toMatchObject({ kind: 'VIDEO_PART', index: 2 });
    // The late worker of the old lease: every call is refused as lost (409), nothing changed.
    for (const action of ['progress', 'task-complete', 'fail', 'release']) {
      const body = {
        progress: { phase: 'TRANSCODING', percent: 90, speed: null, etaSeconds: null, outTimeSeconds: null, sourceDurationSeconds: null },
        'task-complete': { files: [], outputs: [], notices: [] },
        fail: { code: 'INTERNAL', message: 'late', detail: null },
        release: { reason: 'late' },
      }[action];
      expect(await worker.call(part2, action, body)).toEqual({ status: 409, body: { status: 'lost' } });
    }
    expect((await readTaskRows(app, uuid))[2]).toMatchObject({ status: 'RUNNING', machine_id: 'machine-new' });
  });

  it('fails the job with WORKER_LOST when a part lost its worker on its last attempt', async () => {
    const { id, uuid, tasks } = await runningParts();
    expect((await fail(tasks[1]!, 'STALLED')).body).toEqual({ status: 'ok' });
    expect((await worker.claim())!.task!.index).toBe(1);
    await app.server.services.db.execute(sql`update job_tasks set lease_expires_at = now() - interval '1 second' where job_id = ${uuid} and index = 1 and kind = 'VIDEO_PART'`);
    await app.server.background.leaseReaper.sweep();
    expect(await readSplitJob(app, id)).toMatchObject({ status: 'FAILED', error: { code: 'WORKER_LOST' } });
  });

  it('hands a released part back at once without counting the attempt', async () => {
    const { id, tasks } = await runningParts();
    expect((await worker.call(tasks[3]!, 'release', { reason: 'shutdown' })).body).toEqual({ status: 'ok' });
    const again = (await worker.claim('machine-after'))!;
    expect(again.task).toMatchObject({ kind: 'VIDEO_PART', index: 3 });
    expect(again.attempt).toBe(1);
    expect((await readSplitJob(app, id)).attempts).toBe(1);
  });

  it('cancels every task with the job: each task answers canceled to its next call, and none is claimed again', async () => {
    const { id, uuid, tasks } = await runningParts();
    const [audio, part1, part2, part3] = tasks as [ClaimedJob, ClaimedJob, ClaimedJob, ClaimedJob];
    expect((await worker.finishPart(part3)).body).toEqual({ status: 'ok' });
    expect((await fail(part2, 'STALLED')).body).toEqual({ status: 'ok' });
    expect((await runMutation(app, CANCEL_JOB, id)).status).toBe('CANCELED');
    expect((await worker.progress(audio, 50)).body).toEqual({ status: 'canceled' });
    expect((await worker.progress(part1, 50)).body).toEqual({ status: 'canceled' });
    expect((await worker.call(part1, 'task-complete', { files: [], outputs: [], notices: [] })).body).toEqual({ status: 'canceled' });
    expect((await readTaskRows(app, uuid)).map((task) => task.status)).toEqual(['CANCELED', 'CANCELED', 'CANCELED', 'DONE', 'CANCELED']);
    // The requeued part 2 is not handed out, and no lease is left for the reaper.
    expect(await worker.claim()).toBeNull();
    const open = await app.server.services.db.execute(sql`select 1 from job_attempts where job_id = ${uuid} and ended_at is null`);
    expect(open).toHaveLength(0);
  });

  it('counts claimable tasks as scheduler demand, and the machines of running tasks as busy', async () => {
    const { tasks } = await runningParts();
    const { readDemand } = await import('../../src/jobs/reader.js');
    let demand = await readDemand(app.server.services.db, { cap: 10 });
    expect(demand.claimableJobs).toBe(0);
    expect([...demand.busyMachineIds].sort()).toEqual(['machine-0', 'machine-1', 'machine-2', 'machine-3']);
    expect((await fail(tasks[1]!, 'STALLED')).status).toBe(200);
    await queueVideoJob(app);
    demand = await readDemand(app.server.services.db, { cap: 10 });
    expect(demand.claimableJobs).toBe(2);
    expect([...demand.busyMachineIds].sort()).toEqual(['machine-1', 'machine-2', 'machine-3']);
  });
});
