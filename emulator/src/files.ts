/** The emulator's own small file helpers: its token file and a check that its directory stays private. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The token kept in `file` (mode 0600): read if it exists, else generated and written; when several
 * processes race to create it, every one ends up with the winner's.
 */
export async function loadOrCreateToken(file: string): Promise<string> {
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `ffly_emu_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await fs.readFile(file, 'utf8')).trim();
}

/** Warns, naming the `chmod`s, when the emulator's directory, state or token is readable by others (the state holds worker tokens). */
export async function warnIfOpen(dataDir: string, logger: Logger): Promise<void> {
  const fixes: string[] = [];
  for (const relative of ['.', 'state.json', 'token']) {
    const target = path.join(dataDir, relative);
    const stat = await fs.stat(target).catch(() => null);
    if (stat && (stat.mode & 0o077) !== 0) fixes.push(`chmod ${stat.isDirectory() ? '700' : '600'} ${target}`);
  }
  if (fixes.length > 0) logger.warn({ fixes }, `${dataDir} holds worker credentials but other users can read parts of it; run: ${fixes.join(' && ')}`);
}
