import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';

/**
 * DATA_DIR holds secrets (the webhook secret, the store's secret, the emulator's token and state,
 * which carries worker tokens) and every tenant's files: nobody but its owner may read it. New things
 * are created private; existing ones that are not get a warning naming the fix.
 */

/** What must not be readable by others: directories 0700, files 0600. Paths relative to DATA_DIR. */
const PRIVATE_PATHS = ['.', 's3', 'postgres', 'fly-emulator', 'webhook-secret', 's3-secret', 'fly-emulator/state.json', 'fly-emulator/token'];

/** Creates DATA_DIR (mode 0700) if it does not exist yet. */
export async function createDataDir(dataDir: string): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
}

/** The `chmod` commands that would make DATA_DIR private again; empty when it is. */
export async function dataDirProblems(dataDir: string): Promise<string[]> {
  const fixes: string[] = [];
  for (const relative of PRIVATE_PATHS) {
    const target = path.join(dataDir, relative);
    const stat = await fs.stat(target).catch(() => null);
    if (!stat || (stat.mode & 0o077) === 0) continue;
    fixes.push(`chmod ${stat.isDirectory() ? '700' : '600'} ${target}`);
  }
  return fixes;
}

/** Logs one warning naming every fix when DATA_DIR or a secret in it is readable by other users. */
export async function warnIfDataDirIsOpen(dataDir: string, logger: Logger): Promise<void> {
  const fixes = await dataDirProblems(dataDir);
  if (fixes.length > 0) {
    logger.warn({ fixes }, `DATA_DIR ${dataDir} holds secrets and tenants' files but other users can read parts of it; run: ${fixes.join(' && ')}`);
  }
}

/**
 * A secret kept in a file (mode 0600): read if it exists, else generated and written; when several
 * processes race to create it, every one ends up with the winner's.
 */
export async function loadOrCreateSecretFile(file: string, generate: () => string = () => randomBytes(32).toString('base64url')): Promise<string> {
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await fs.readFile(file, 'utf8')).trim();
}
