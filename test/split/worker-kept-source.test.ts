import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { createApiClient } from '../../transcoder/src/api-client.js';
import type { Log } from '../../transcoder/src/log.js';
import { runJob, type JobOutcome } from '../../transcoder/src/run-job.js';
import { dropKeptSource, keepSource, keptSource, keptSourceDirectory } from '../../transcoder/src/tasks/kept-source.js';
import { runTask } from '../../transcoder/src/tasks/run-task.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, jobUuid, runMutation, START_JOB, upload } from '../support/jobs.js';
import { allowParts, readSplitJob } from './api-support.js';
import { generateCounterSource } from './support/split-media.js';

/**
 * A split job's source is downloaded once per worker (issue 18's follow-up: the per-task download was
 * most of a part's overhead). Two workers' loops are driven here in-process, each with its own work
 * directory, through the real API with real ffmpeg; their claims' source URL is pointed at a server
 * that serves the same bytes and counts every GET.
 */
describe('a worker keeps a split job source for the next task of the same job', () => {
  let app: TestApp;
  let dir: string;
  let source: Buffer;
  let server: Server;
  let sourceUrl: string;
  let gets = 0;
  beforeAll(async () => {
    app = await startTestApp({ SPLIT_MIN_SECONDS: '8', LEASE_MS: '60000', RETRY_BASE_MS: '0' });
    allowParts(app, 2);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-kept-source-'));
    source = await fs.readFile(await generateCounterSource(path.join(dir, 'counter.mp4'), { seconds: 16, fps: 25, gop: 25 }));
    server = createServer((request, response) => {
      gets += 1;
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(source.length) });
      response.end(request.method === 'HEAD' ? undefined : source);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    sourceUrl = `http://127.0.0.1:${address.port}/source`;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await app?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const log: Log = () => {};
  /** One worker: claims the next work and runs it as main.ts does, in `workDir`. */
  function worker(name: string) {
    const workDir = path.join(dir, name);
    const api = createApiClient({ apiUrl: app.url, credential: machineCredential(app.server.services.signingKey) });
    return {
      workDir,
      async next(): Promise<{ claimed: ClaimedJob; outcome: JobOutcome }> {
        await fs.mkdir(workDir, { recursive: true });
        const claim = await api.claim(name, 20_000);
        expect(claim).not.toBeNull();
        const claimed: ClaimedJob = { ...claim!, source: { ...claim!.source, url: sourceUrl } };
        await dropKeptSource(workDir, claimed.task ? claimed.id : null);
        const options = { api: api.forJob(claimed), workDir, log, shutdown: new AbortController().signal };
        const outcome = await (claimed.task ? runTask : runJob)(claimed, options);
        return { claimed, outcome };
      },
      kept: () => fs.readdir(keptSourceDirectory(workDir)).catch(() => [] as string[]),
    };
  }

  it('downloads the source once on the planner that runs a part and the audio, once on the other worker, and drops it at the stitch', async () => {
    const job = await createJob(app, {
      source: { filename: 'counter.mp4', contentType: 'video/mp4', sizeBytes: source.length },
      outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P240'] } }],
    });
    await upload(job, source);
    expect((await runMutation(app, START_JOB, job.id)).status).toBe('QUEUED');
    const uuid = jobUuid(job.id);
    const [a, b] = [worker('machine-a'), worker('machine-b')];

    const planned = await a.next();
    expect([planned.claimed.task, planned.outcome]).toEqual([null, 'split']);
    expect(gets).toBe(1);
    expect(await a.kept()).toEqual([`${uuid}-${source.length}`]);

    // The planner's next claim is part 1 (parts before the audio): no second download.
    const part1 = await a.next();
    expect([part1.claimed.task!.kind, part1.claimed.task!.index, part1.outcome]).toEqual(['VIDEO_PART', 1, 'completed']);
    expect(gets).toBe(1);
    // Another worker has no copy: it downloads once, and keeps it.
    const part2 = await b.next();
    expect([part2.claimed.task!.kind, part2.claimed.task!.index, part2.outcome]).toEqual(['VIDEO_PART', 2, 'completed']);
    expect(gets).toBe(2);
    expect(await b.kept()).toEqual([`${uuid}-${source.length}`]);
    const audio = await a.next();
    expect([audio.claimed.task!.kind, audio.outcome]).toEqual(['AUDIO', 'completed']);
    expect(gets).toBe(2);

    // The stitch needs no source: the copy is dropped before it runs.
    const stitch = await b.next();
    expect([stitch.claimed.task!.kind, stitch.outcome]).toEqual(['STITCH', 'completed']);
    expect(await b.kept()).toEqual([]);
    expect(await readSplitJob(app, job.id)).toMatchObject({ status: 'COMPLETED', parallelism: 2 });
    // Worker a still holds it until it claims another job's work.
    expect(await a.kept()).toHaveLength(1);
    await dropKeptSource(a.workDir, 'another-job');
    expect(await a.kept()).toEqual([]);
  }, 600_000);

  it('uses a kept source only for the same job and the same size', async () => {
    const workDir = path.join(dir, 'keys');
    await fs.mkdir(workDir, { recursive: true });
    const file = path.join(workDir, 'source');
    await fs.writeFile(file, 'twelve bytes');
    const kept = await keepSource(workDir, 'job-1', file);
    expect(await keptSource(workDir, 'job-1', 12)).toBe(kept);
    expect(await keptSource(workDir, 'job-1', 13)).toBeNull();
    expect(await keptSource(workDir, 'job-2', 12)).toBeNull();
    expect(await keptSource(workDir, 'job-1', null)).toBeNull();
    await dropKeptSource(workDir, 'job-1');
    expect(await keptSource(workDir, 'job-1', 12)).toBe(kept);
    await dropKeptSource(workDir);
    expect(await keptSource(workDir, 'job-1', 12)).toBeNull();
  });

  it("is the machine's own: another worker process sharing the WORK_DIR (a local stack) never drops it", async () => {
    const workDir = path.join(dir, 'shared');
    await fs.mkdir(workDir, { recursive: true });
    const file = path.join(workDir, 'source');
    await fs.writeFile(file, 'twelve bytes');
    const kept = await keepSource(workDir, 'job-1', file);
    // What another machine's worker does at its start and at each claim of another job.
    const module = path.resolve(import.meta.dirname, '../../transcoder/src/tasks/kept-source.ts');
    const script = `const m = await import(${JSON.stringify(module)}); await m.dropKeptSource(${JSON.stringify(workDir)});`;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, FLY_MACHINE_ID: 'another-machine' },
    });
    expect(await keptSource(workDir, 'job-1', 12)).toBe(kept);
  });
});
