/**
 * Shared set-up for the scheduler tests: a Fly emulator whose machines run the real transcoder (with
 * test-sized delays), a counting proxy in front of it, small audio jobs, and waits on their outcome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlyClient, type FlyClient } from '../../src/fly/index.js';
import { createFlyEmulator, type FlyEmulator, type FlyEmulatorOptions, localTranscoderCommand } from '../../emulator/src/index.js';
import { TEST_ADMIN_KEY, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload } from '../support/jobs.js';
import type { MediaWorkspace } from '../support/media-fixtures.js';
import { waitFor } from '../support/worker.js';

/** The app every test instance's scheduler uses (config default `FLY_WORKER_APP`). */
export const WORKER_APP = 'ffly-worker';

/** The token every shared test emulator accepts; instances get it as FLY_API_TOKEN. */
export const EMULATOR_TOKEN = 'scheduler-test-emulator-token';

/** Scheduler settings that keep the tests quick: workers stop soon after their last job. */
export const FAST_POOL_ENV = { WORKER_IDLE_MS: '1500', LEASE_MS: '3000', RETRY_BASE_MS: '0' } as const;

/** A standalone emulator (as `npm run fly:emulator` runs) with small delays; the caller closes it. */
export async function startSharedEmulator(options: Partial<FlyEmulatorOptions> = {}): Promise<FlyEmulator & { cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ffly-sched-emu-'));
  const emulator = await createFlyEmulator({
    dataDir,
    machineCommand: localTranscoderCommand(),
    createDelayMs: 100,
    startDelayMs: 20,
    replaceDelayMs: 20,
    shutdownGraceMs: 1_000,
    token: EMULATOR_TOKEN,
    ...options,
  });
  return Object.assign(emulator, {
    async cleanup() {
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** A client of our own, to look at (or meddle with) the pool behind the scheduler's back. */
export function observerClient(baseUrl: string): FlyClient {
  return createFlyClient({ baseUrl, token: EMULATOR_TOKEN, appName: WORKER_APP, rateLimits: false, backoff: { baseMs: 10, maxMs: 100 } });
}

export interface CountingProxy {
  url: string;
  /** `"<METHOD> <route>"` (machine ids replaced by `:id`) of every request, and its status. */
  requests: Array<{ route: string; status: number }>;
  close(): Promise<void>;
}

/** Forwards everything to `target` and records what went through: the Fly API calls as Fly would see them. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const requests: CountingProxy['requests'] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, body }).catch(() => null);
    const path = new URL(request.url ?? '/', 'http://proxy').pathname.replace(/\/machines\/[0-9a-f]{14}/, '/machines/:id');
    requests.push({ route: `${request.method} ${path}`, status: answer?.status ?? 502 });
    if (!answer) return void response.writeHead(502).end();
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => server.closeAllConnections()),
  };
}

/** Creates a small WAV-to-MP3 job, uploads its source and starts it; returns the job id. */
export async function submitAudioJob(app: TestApp, media: MediaWorkspace): Promise<string> {
  const source = await readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
  const job = await createJob(app, {
    source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: source.length },
    outputs: [{ audio: { format: 'MP3', bitrateKbps: 128 } }],
  });
  await upload(job, source);
  await runMutation(app, START_JOB, job.id);
  return job.id;
}

/** Waits for the job to end, and returns it (status, attempts, machineId, ...). */
export async function waitForJobEnd(app: TestApp, id: string, timeoutMs = 60_000): Promise<{ status: string; attempts: number; machineId: string | null }> {
  return waitFor(
    async () => {
      const job = (await app.graphql(GET_JOB, { id })).data.job;
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status) ? job : undefined;
    },
    timeoutMs,
    `job ${id} to end`,
  );
}

/** The pool as `Query.machines` shows it. */
export async function queryMachines(app: TestApp): Promise<Array<{ id: string; state: string }>> {
  const result = await app.graphql('{ machines { id state } }', {}, TEST_ADMIN_KEY);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.machines;
}
