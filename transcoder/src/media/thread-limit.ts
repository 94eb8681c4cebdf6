/**
 * `FFMPEG_THREADS` (worker env): at most this many threads per ffmpeg process, for machines that share
 * their cores (and bench:split, which gives each worker one encoding thread). Unset: ffmpeg decides.
 */
export function threadLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const value = Number(env.FFMPEG_THREADS ?? '');
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/**
 * Limits an ffmpeg argv to `threads` threads: the filter graphs (global options first), every decoder
 * (`-threads` before each `-i`) and every output's encoders (`-threads` after each `-c:v`, an output
 * option covering all of that output's encoders). Pure; the argv is otherwise unchanged.
 */
export function limitThreads(args: readonly string[], threads: number | null): string[] {
  if (threads === null) return [...args];
  const n = String(threads);
  const limited = ['-filter_threads', n, '-filter_complex_threads', n];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-i') limited.push('-threads', n);
    limited.push(arg);
    if (arg === '-c:v' && index + 1 < args.length) {
      limited.push(args[++index]!, '-threads', n);
    }
  }
  return limited;
}
