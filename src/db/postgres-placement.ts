import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';

/** The PostgreSQL programs we start, by absolute path. */
export interface Binaries {
  initdb: string;
  postgres: string;
}

/** The unprivileged user PostgreSQL runs as when ffly runs as root. */
export interface Owner {
  uid: number;
  gid: number;
}

export interface Placement {
  binaries: Binaries;
  /** The cluster's data directory: the one asked for, or a stand-in the owner can reach. */
  directory: string;
  /** Where the stand-in data directory lives when the asked-for one was out of reach, else null. */
  relocatedData: string | null;
}

/**
 * Where ffly puts what the `postgres` user must reach when the asked-for places are private (a clone in
 * /root or in a `mktemp -d` folder, mode 0700): the first of these that user can reach. /var/lib keeps
 * data across reboots; /tmp is the fallback on read-only or unusual systems.
 */
const BASES = ['/var/lib/ffly', '/tmp/ffly-postgres'];

/**
 * Makes sure `owner` can run the binaries and use the data directory. When ffly is root (PostgreSQL runs
 * as `postgres`) and the paths sit behind a directory that user cannot enter, it copies the binaries to
 * a shared, read-only place and keeps the cluster in a private (0700, postgres-owned) directory keyed by
 * the asked-for path, so later runs with the same DATA_DIR find the same data. One log line says so.
 */
export async function placeForOwner(binaries: Binaries, directory: string, owner: Owner | null, logger: Logger): Promise<Placement> {
  if (!owner) return { binaries, directory, relocatedData: null };
  const binariesReachable = canReach(owner, binaries.initdb, '-x') && canReach(owner, binaries.postgres, '-x');
  const dataReachable = canReach(owner, directory, '-w') && canReach(owner, directory, '-x');
  if (binariesReachable && dataReachable) return { binaries, directory, relocatedData: null };

  const base = await reachableBase(owner);
  const placed = binariesReachable ? binaries : await copyBinaries(binaries, base);
  let relocatedData: string | null = null;
  let dataDirectory = directory;
  if (!dataReachable) {
    const key = createHash('sha256').update(await fs.realpath(directory)).digest('hex').slice(0, 16);
    relocatedData = path.join(base, `data-${key}`);
    await fs.mkdir(relocatedData, { recursive: true, mode: 0o700 });
    await fs.chmod(relocatedData, 0o700);
    await fs.chown(relocatedData, owner.uid, owner.gid);
    dataDirectory = path.join(relocatedData, 'postgres');
    // A note for a person looking into DATA_DIR for the database.
    await fs.writeFile(`${directory}.location`, `${dataDirectory}\n`);
  }
  const moved = [
    ...(binariesReachable ? [] : [`its binaries are copied to ${path.dirname(path.dirname(placed.postgres))}`]),
    ...(dataReachable ? [] : [`its data lives in ${dataDirectory}`]),
  ];
  const unreachable = binariesReachable ? directory : path.dirname(binaries.postgres);
  logger.info(`PostgreSQL runs as the postgres user, who cannot reach ${unreachable}: ${moved.join(' and ')}`);
  return { binaries: placed, directory: dataDirectory, relocatedData };
}

/**
 * Whether `owner` passes `test <flag> target`, asked of the kernel by running `test` as that user (with
 * no supplementary groups, exactly as PostgreSQL will run), so ACLs and every parent directory count.
 */
export function canReach(owner: Owner, target: string, flag: '-x' | '-w' | '-r'): boolean {
  const result = spawnSync('test', [flag, target], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' });
  return result.status === 0;
}

async function reachableBase(owner: Owner): Promise<string> {
  for (const base of BASES) {
    try {
      await fs.mkdir(base, { recursive: true, mode: 0o755 });
      await fs.chmod(base, 0o755);
      if (canReach(owner, base, '-x')) return base;
    } catch {
      // Read-only or otherwise unusable: try the next.
    }
  }
  throw new Error(`The postgres user can reach none of ${BASES.join(', ')}; set DATABASE_URL to use an external PostgreSQL`);
}

/**
 * Copies the package's `native/` tree (bin, lib, share; symlinks kept) to `<base>/postgres-<hash of its
 * version>`, owned by root and readable by all, once: a copy is made beside it and renamed in,
 * so concurrent starts never see half a tree.
 */
async function copyBinaries(binaries: Binaries, base: string): Promise<Binaries> {
  const native = path.dirname(path.dirname(binaries.postgres));
  // Keyed by what is copied (the package's version and the server's size), so every clone shares one copy.
  const { version } = JSON.parse(await fs.readFile(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const { size } = await fs.stat(binaries.postgres);
  const key = createHash('sha256').update(`${version}:${size}`).digest('hex').slice(0, 16);
  const target = path.join(base, `postgres-${key}`);
  const relative = (file: string) => path.join(target, path.relative(native, file));
  const placed = { initdb: relative(binaries.initdb), postgres: relative(binaries.postgres) };
  if (await exists(placed.postgres)) return placed;
  const staging = `${target}.${randomBytes(4).toString('hex')}`;
  await fs.cp(native, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await fs.chmod(staging, 0o755);
  try {
    await fs.rename(staging, target);
  } catch (error) {
    // Another start placed it first.
    await fs.rm(staging, { recursive: true, force: true });
    if (!(await exists(placed.postgres))) throw error;
  }
  return placed;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
