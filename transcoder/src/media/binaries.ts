import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

type BinaryName = keyof MediaBinaries;

const ENV_VARIABLE: Record<BinaryName, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };

/**
 * Finds ffmpeg and ffprobe: `FFMPEG_PATH`/`FFPROBE_PATH` first, then the system binaries on `PATH`,
 * then the optional `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe` packages.
 *
 * The npm packages are a last resort for development machines: the ffmpeg they ship is a 2018 build
 * that lacks options the plans rely on (`-stats_period`), so the worker image must carry ffmpeg >= 5.1.
 * The result is cached per process; pass `env` to resolve afresh (tests).
 */
export async function resolveBinaries(env: NodeJS.ProcessEnv = process.env): Promise<MediaBinaries> {
  if (env !== process.env) return resolveUncached(env);
  cached ??= resolveUncached(env).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

let cached: Promise<MediaBinaries> | undefined;

async function resolveUncached(env: NodeJS.ProcessEnv): Promise<MediaBinaries> {
  const [ffmpeg, ffprobe] = await Promise.all([resolveBinary('ffmpeg', env), resolveBinary('ffprobe', env)]);
  return { ffmpeg, ffprobe };
}

async function resolveBinary(name: BinaryName, env: NodeJS.ProcessEnv): Promise<string> {
  const configured = env[ENV_VARIABLE[name]];
  if (configured) return configured;
  const onPath = await findOnPath(name, env.PATH ?? '');
  if (onPath) return onPath;
  const installed = await fromInstallerPackage(name);
  if (installed) return installed;
  throw new Error(
    `${name} not found: set ${ENV_VARIABLE[name]}, install it on PATH, or install the optional npm package`,
  );
}

async function findOnPath(name: BinaryName, searchPath: string): Promise<string | undefined> {
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
}

/** The installer packages are optional dependencies and throw at import when their binary is missing. */
async function fromInstallerPackage(name: BinaryName): Promise<string | undefined> {
  try {
    const installer =
      name === 'ffmpeg' ? await import('@ffmpeg-installer/ffmpeg') : await import('@ffprobe-installer/ffprobe');
    return installer.default.path;
  } catch {
    return undefined;
  }
}
