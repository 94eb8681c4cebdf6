import type { Services } from './services.js';

/** What background loops get: the process's services and the URL this instance listens on. */
export interface BackgroundContext {
  services: Services;
  /** This instance's own URL (the default base of links for clients). */
  url: string;
  /** Where workers reach this instance when `WORKER_API_URL` is unset: `url`, or the `WORKER_PORT` listener. */
  workerUrl?: string;
}
