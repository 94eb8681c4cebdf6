import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { findFreePort } from '../../../src/net/free-port.js';
import { TEST_KEYS } from '../../support/app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const START_TIMEOUT_MS = 30_000;

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Another API instance as its own process (`node --import tsx src/main.ts`, what `npm start` runs) on
 * the given database, with its own DATA_DIR (so its own embedded object store). Killed when the
 * current test finishes.
 */
export async function startApiProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-instance-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      PORT: String(await findFreePort()),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEYS: TEST_KEYS.join(','),
      MAX_MACHINES: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Registered before waiting, so a process that never comes up is still killed.
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API process not up after ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // "ffly is up: open http://127.0.0.1:<port>/…": the origin is all this needs.
      const match = /ffly is up: open (http:\/\/[^\s/"]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`API process exited with ${code} before it was up:\n${output}`)));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { url, child, output: () => output, stop };
}
