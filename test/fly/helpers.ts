/**
 * Shared set-up for the Fly tests: an emulator on port 0 in a temporary directory whose machines run a
 * small fixture script, a client pointed at it, and helpers to read what the machine processes saw.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { createFlyClient, type FlyClient, type FlyClientOptions, type MachineConfig } from '../../src/fly/index.js';
import { createFlyEmulator, type FlyEmulator, type FlyEmulatorOptions } from '../../emulator/src/index.js';

export const APP = 'ffly-workers-test';
export const MACHINE_SCRIPT = fileURLToPath(new URL('./fixtures/machine-process.mjs', import.meta.url));

/** A fresh directory, removed after the test. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ffly-fly-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** An emulator with test-sized delays and no rate limits unless asked; closed after the test. */
export async function startEmulator(options: Partial<FlyEmulatorOptions> = {}): Promise<FlyEmulator> {
  const emulator = await createFlyEmulator({
    dataDir: options.dataDir ?? temporaryDirectory(),
    machineCommand: { command: process.execPath, args: [MACHINE_SCRIPT] },
    createDelayMs: 40,
    startDelayMs: 10,
    replaceDelayMs: 20,
    rateLimits: false,
    shutdownGraceMs: 500,
    token: 'test-token',
    ...options,
  });
  onTestFinished(() => emulator.close());
  return emulator;
}

/** A client for the emulator with fast retries and no client-side rate limits unless asked. */
export function clientFor(emulator: FlyEmulator, options: Partial<FlyClientOptions> = {}): FlyClient {
  return createFlyClient({
    baseUrl: emulator.url,
    token: 'test-token',
    appName: APP,
    rateLimits: false,
    backoff: { baseMs: 10, maxMs: 100 },
    createReconcile: { lookups: 3, intervalMs: 50 },
    ...options,
  });
}

/** A worker-like config: restart policy `no`, the fixture's behaviour set through `env`. */
export function workerConfig(env: Record<string, string> = {}, overrides: Partial<MachineConfig> = {}): MachineConfig {
  return { image: 'registry.fly.io/ffly-worker:test', env, restart: { policy: 'no' }, ...overrides };
}

export interface Report {
  type: 'start' | 'signal';
  pid: number;
  cwd?: string;
  cwdEntries?: string[];
  env?: Record<string, string>;
  signal?: string;
  grandchildPid?: number;
}

/** What the fixture processes wrote to `file`, one entry per line. */
export function readReports(file: string): Report[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Report);
}

/** Retries `assertion` until it passes or `timeoutMs` runs out, then throws its last error. */
export async function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** True while `pid` is a live process (zombies awaiting their reaper count as dead). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export interface CannedResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A tiny HTTP server answering `"<METHOD> <path>"` (path without query) with canned responses; a list
 * is answered in order, its last entry repeating. It records every request line it receives.
 */
export async function serveCanned(routes: Record<string, CannedResponse | CannedResponse[]>): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const served = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://canned');
    const key = `${request.method} ${url.pathname}`;
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const canned = routes[key];
    const list = Array.isArray(canned) ? canned : canned ? [canned] : [{ status: 404, body: { error: 'not found' } }];
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const answer = list[Math.min(index, list.length - 1)] ?? {};
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
