/**
 * The worker on a Fly Machine: claims jobs from the API over HTTP and runs them until it has had
 * nothing to do for WORKER_IDLE_MS, then exits 0 so the machine stops (and can be started again).
 * SIGTERM/SIGINT stop ffmpeg, hand the running job back and exit within 5 s.
 */
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from './api-client.js';
import { loadJobModuleSoon } from './job-module.js';
import { createLog } from './log.js';
import { dropKeptSource } from './tasks/kept-source.js';

const SHUTDOWN_BUDGET_MS = 4_500;

async function main(): Promise<number> {
  const env = process.env;
  const apiUrl = env.API_URL;
  const credential = env.WORKER_TOKEN;
  if (!apiUrl || !credential) {
    console.error('API_URL and WORKER_TOKEN must be set (the scheduler sets them on every worker machine)');
    return 2;
  }
  const machineId = env.FLY_MACHINE_ID ?? null;
  const idleMs = Number(env.WORKER_IDLE_MS ?? 10_000);
  const workDir = env.WORK_DIR ?? path.join(os.tmpdir(), 'ffly-work');
  const diskReserveBytes = Number(env.WORKER_DISK_RESERVE_BYTES ?? 0);
  if (!Number.isSafeInteger(diskReserveBytes) || diskReserveBytes < 0) {
    console.error('WORKER_DISK_RESERVE_BYTES must be a whole number of bytes');
    return 2;
  }
  const log = createLog({ machineId }, env.LOG_LEVEL ?? 'info');
  // A test seam only (the tests' source servers listen on loopback): never set on a deployment.
  const publicAddresses = (env.WORKER_TEST_PUBLIC_ADDRESSES ?? '').split(',').map((address) => address.trim()).filter(Boolean);
  const api = createApiClient({ apiUrl, credential });

  const shutdown = new AbortController();
  let current: Promise<unknown> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) return;
    log('info', 'stopping', { signal });
    shutdown.abort();
    setTimeout(() => process.exit(0), SHUTDOWN_BUDGET_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // A split job's source kept by an earlier run of this machine is stale: it is dropped on exit too.
  await dropKeptSource(workDir);
  let idleSince = Date.now();
  log('info', 'worker started', { idleMs });
  while (!shutdown.signal.aborted) {
    const remaining = idleMs - (Date.now() - idleSince);
    if (remaining <= 0) {
      log('info', 'idle: exiting so the machine stops');
      await dropKeptSource(workDir);
      return 0;
    }
    let job;
    try {
      const claim = api.claim(machineId, Math.min(remaining, 20_000), shutdown.signal);
      // The job code loads while the first claim waits (see job-module.ts).
      void loadJobModuleSoon().catch(() => {});
      job = await claim;
    } catch (error) {
      if (shutdown.signal.aborted) break;
      log('warn', 'claim failed; retrying', { err: String(error) });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    if (!job) continue;
    const jobLog = log.child({ jobId: job.id, attempt: job.attempt });
    jobLog('info', 'claimed job');
    // The source kept from a split job's earlier task is only for that job's tasks (a whole job downloads its own).
    await dropKeptSource(workDir, job.task ? job.id : null);
    const { runJob, runTask } = await loadJobModuleSoon();
    // A task of a split job (a part, the audio, the stitch) or a whole job (which may plan a split).
    current = (job.task ? runTask : runJob)(job, { api: api.forJob(job), workDir, log: jobLog, shutdown: shutdown.signal, diskReserveBytes, publicAddresses });
    // runJob reports every failure itself; anything that still escapes must not crash the worker (a
    // crashed worker's machine is destroyed, and its job waits out the lease).
    const outcome = await current.catch((error: unknown) => {
      jobLog('error', 'job ended unexpectedly; its lease will expire', { err: String(error) });
      return 'lost';
    });
    current = null;
    jobLog('info', 'job finished', { outcome });
    idleSince = Date.now();
  }
  await dropKeptSource(workDir);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
