import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/net/free-port.js';
import { startEntryPoint } from '../support/entry-point.js';


const start = (env: Record<string, string>) => startEntryPoint(env);

function postgresProcessesUnder(directory: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `postgres -D ${directory}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function exitWithin(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('npm start', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await fs.rm(directory, { recursive: true, force: true });
  });

  it('runs two stacks side by side, reuses its data on restart, and stops on SIGINT within 5 s leaving no postgres', async () => {
    const first = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-start-a-'));
    const second = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-start-b-'));
    directories.push(first, second);
    const a = start({ DATA_DIR: first, PORT: String(await findFreePort()) });
    const b = start({ DATA_DIR: second, PORT: String(await findFreePort()) });
    const [urlA, urlB] = await Promise.all([a.ready, b.ready]);
    expect(urlA).not.toBe(urlB);
    const created = await fetch(urlA, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { createJob(input: { source: { filename: "a.wav", sizeBytes: 10 }, outputs: [{ audio: { format: MP3 } }] }) { __typename } }',
      }),
    });
    expect(await created.json()).toEqual({ data: { createJob: { __typename: 'Job' } } });
    expect((await fetch(urlB.replace('/graphql', '/ready'))).status).toBe(200);

    const started = Date.now();
    a.child.kill('SIGINT');
    b.child.kill('SIGTERM');
    const codes = await Promise.all([exitWithin(a.child, 5_000), exitWithin(b.child, 5_000)]).catch((error: Error) => {
      throw new Error(`${error.message}\n--- a ---\n${a.output().slice(-1500)}\n--- b ---\n${b.output().slice(-1500)}`);
    });
    expect(codes).toEqual([0, 0]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(postgresProcessesUnder(first)).toEqual([]);
    expect(postgresProcessesUnder(second)).toEqual([]);

    // Later runs reuse the data: the job created before the restart is still there.
    const again = start({ DATA_DIR: first, PORT: String(await findFreePort()) });
    const url = await again.ready;
    const listed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs { edges { node { source { filename } } } } }' }),
    });
    expect(await listed.json()).toEqual({ data: { jobs: { edges: [{ node: { source: { filename: 'a.wav' } } }] } } });
    again.child.kill('SIGINT');
    expect(await exitWithin(again.child, 5_000)).toBe(0);
    expect(again.output()).not.toContain('initialising embedded PostgreSQL');
  }, 120_000);

  it('fails at start with one message naming every bad variable', async () => {
    const run = start({ PORT: 'x', MAX_MACHINES: 'lots' });
    await expect(run.ready).rejects.toThrow(/PORT:[\s\S]*MAX_MACHINES:/);
  });

  it('refuses to start without API keys on a public address, and says why', async () => {
    const run = start({ HOST: '0.0.0.0' });
    await expect(run.ready).rejects.toThrow(/API_KEYS: must be set when HOST/);
  });
});
