import { access } from 'node:fs/promises';
import { FAILURE_CODES, type FailureCode } from '../../protocol/failure-codes.js';
import type { FailRequest } from '../../protocol/worker-api.js';
import { isMediaError, redactSecrets } from './media/index.js';

/** ENOSPC anywhere on a failure's cause chain (ffmpeg's stderr says "No space left on device"). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 8; current = (current as { cause?: unknown }).cause) chain.push(current);
  return chain;
}

function hasErrno(error: unknown, code: string): boolean {
  return causeChain(error).some((link) => (link as NodeJS.ErrnoException)?.code === code);
}

function hasFailureCode(error: unknown): error is Error & { code: FailureCode } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && Object.hasOwn(FAILURE_CODES, error.code);
}

/**
 * Turns whatever ended a job into the report the API gets, with a code from the shared table
 * (protocol/failure-codes.ts). The environment's faults are told apart from the input's before
 * anything else: an output that "cannot be read back" because the job's own directory vanished is the
 * machine's fault (WORKER_FILES_LOST, retried), not a defect of the output.
 */
export async function classifyFailure(error: unknown, jobDirectory: string, sourceFile: string): Promise<FailRequest> {
  const detail = isMediaError(error) ? (error.stderrTail ?? null) : null;
  const stderr = detail ?? '';
  const report = (code: FailureCode, message: string, withDetail = detail): FailRequest => ({ code, message, detail: withDetail });

  if (hasErrno(error, 'ENOSPC') || /No space left on device/i.test(stderr)) {
    return report('DISK_FULL', "The worker's disk filled up; the job will be retried.");
  }
  // A failure the worker named itself (a refused download, a job that cannot fit its disk) already
  // says whose fault it is: a missing source file is expected when the download never began.
  if (!isMediaError(error) && hasFailureCode(error)) return report(error.code, error.message, null);
  const filesIntact = await Promise.all([access(jobDirectory), access(sourceFile)]).then(() => true, () => false);
  if (!filesIntact || (hasErrno(error, 'ENOENT') && !isMediaError(error))) {
    return report('WORKER_FILES_LOST', "The worker's working files vanished under it; the job will be retried.");
  }
  if (isMediaError(error)) {
    const killed = causeChain(error).some((link) => typeof (link as { signal?: unknown })?.signal === 'string');
    if (error.code === 'FFMPEG_FAILED' && killed) return report('WORKER_INTERRUPTED', 'ffmpeg was killed by a signal; the job will be retried.');
    return report(error.code === 'CANCELED' ? 'INTERNAL' : error.code, error.message);
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^[A-Z_]{2,40}$/.test(error.code)) {
    return report(error.code as FailureCode, error.message, null);
  }
  return report('INTERNAL', 'The worker hit an unexpected error', redactSecrets(String((error as Error)?.stack ?? error)).slice(-4096));
}
