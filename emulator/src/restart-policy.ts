import type { RestartPolicy } from '../../protocol/fly-machines.js';

/** `on-failure` counts restarts within this window (fly docs, "Machine restart policy"). */
export const RESTART_WINDOW_MS = 5 * 60_000;
const DEFAULT_MAX_RETRIES = 10;

/**
 * Whether a main process that exited on its own is restarted:
 * `always` restarts on any exit, `no` never, and `on-failure` (also what an unset or empty policy
 * means) restarts a non-zero exit up to `max_retries` times within five minutes.
 */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, restartTimes: readonly number[], now: number): boolean {
  switch (policy?.policy || 'on-failure') {
    case 'always':
      return true;
    case 'on-failure': {
      const recent = restartTimes.filter((time) => now - time < RESTART_WINDOW_MS).length;
      return exitCode !== 0 && recent < (policy?.max_retries ?? DEFAULT_MAX_RETRIES);
    }
    default:
      // `no`, and `spot-price`, which only concerns GPU bidding.
      return false;
  }
}
