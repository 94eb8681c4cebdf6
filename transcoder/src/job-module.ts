/**
 * The code that runs a job (the media layer, execa, transfers: nearly all of the worker) loaded only
 * once the worker's first claim request is on the wire. A machine boots to ask for work; parsing and
 * compiling that code first would keep it from asking for a good part of its start-up time, while the
 * API spends the long poll looking for a job anyway. The bundles keep it in a chunk of its own
 * (`splitting` in build-options.json), so none of it is even read before the first claim.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

type JobModule = typeof import('./job-entry.js');

/** Published by Node's fetch (undici) once a request's headers are written to the socket. */
const HEADERS_SENT = 'undici:client:sendHeaders';
/** Loads anyway after this long: a fetch that publishes nothing must not leave the module unloaded. */
const FALLBACK_MS = 250;

let loading: Promise<JobModule> | null = null;

/** Starts loading the job code after the next request leaves (or FALLBACK_MS); the same promise every call. */
export function loadJobModuleSoon(): Promise<JobModule> {
  if (loading) return loading;
  loading = new Promise<void>((resolve) => {
    const fallback = setTimeout(onSent, FALLBACK_MS);
    function onSent(): void {
      clearTimeout(fallback);
      unsubscribe(HEADERS_SENT, onSent);
      // One more turn of the event loop so the request's body follows its headers out first.
      setImmediate(resolve);
    }
    subscribe(HEADERS_SENT, onSent);
  }).then(() => import('./job-entry.js'));
  return loading;
}
