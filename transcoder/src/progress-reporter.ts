import type { ProgressRequest, WorkerPhase } from '../../protocol/worker-api.js';
import type { JobApi } from './api-client.js';

/** Overall percent bands per phase: transcoding is the long one. Percent never goes down. */
const BANDS: Record<WorkerPhase, [number, number]> = {
  // A URL source's first attempt fetches (and copies into the store) instead of downloading.
  FETCHING: [0, 4],
  DOWNLOADING: [0, 4],
  PROBING: [4, 5],
  TRANSCODING: [5, 95],
  UPLOADING: [95, 99],
};

export interface ProgressReporter {
  /** `fraction` is 0..1 within the phase. */
  update(phase: WorkerPhase, fraction: number, extra?: Partial<Omit<ProgressRequest, 'phase' | 'percent'>>): void;
  /** Sends the latest state now (e.g. before a slow step); resolves with the API's answer. */
  flush(): Promise<void>;
  stop(): void;
}

/**
 * Posts progress at most every `intervalMs` (500 ms), and at least every `heartbeatMs` even when
 * nothing moved: every post is also the lease heartbeat. When the API answers that the job was
 * canceled or the lease was lost, `onStop` is called once with that reason.
 */
export function createProgressReporter(
  api: JobApi,
  options: { intervalMs?: number; heartbeatMs: number; onStop: (reason: 'canceled' | 'lost') => void; onError?: (error: unknown) => void },
): ProgressReporter {
  const intervalMs = options.intervalMs ?? 500;
  let state: ProgressRequest = { phase: 'DOWNLOADING', percent: 0, speed: null, etaSeconds: null, outTimeSeconds: null, sourceDurationSeconds: null };
  let lastSent = 0;
  let dirty = true;
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const send = (): Promise<void> => {
    if (inFlight) return inFlight;
    dirty = false;
    lastSent = Date.now();
    inFlight = api
      .progress(state)
      .then((answer) => {
        if (!stopped && (answer.status === 'canceled' || answer.status === 'lost')) {
          stopped = true;
          options.onStop(answer.status);
        }
      })
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => (inFlight = null));
    return inFlight;
  };

  const timer = setInterval(() => {
    const since = Date.now() - lastSent;
    if ((dirty && since >= intervalMs) || since >= options.heartbeatMs) void send();
  }, Math.min(intervalMs, 250));
  timer.unref();

  return {
    update(phase, fraction, extra = {}) {
      const [low, high] = BANDS[phase];
      const percent = Math.max(state.percent, low + (high - low) * Math.min(1, Math.max(0, fraction)));
      state = { ...state, ...extra, phase, percent: Math.round(percent * 100) / 100 };
      dirty = true;
    },
    flush: send,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
