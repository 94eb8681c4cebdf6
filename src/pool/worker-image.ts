/**
 * Whether the worker image still exists. Fly's registry may prune an image that was only ever pushed
 * (`fly deploy --build-only --push`) and never deployed; every create then fails the same way until
 * `FLY_WORKER_IMAGE` names an image that exists. The scheduler notices it from the create's error and,
 * rather than retrying in a loop, makes one probing create per refresh pass (none in the passes job
 * notifications trigger), logs one error per pass, and counts the refusals here for operators
 * (`Scheduler.workerImage()`; a metric once the service exports metrics).
 */
import { isFlyApiError } from '../fly/errors.js';

export interface WorkerImageSnapshot {
  image: string;
  /** True since a create was refused for a missing image, until a create succeeds. */
  missing: boolean;
  /** Creates refused because the image is gone, since this process started. */
  refusedCreates: number;
  /** When the image was first found missing in the current episode (ISO 8601); null while it is there. */
  missingSince: string | null;
}

/** The scheduler's record of its worker image, one per process (it outlives leadership terms). */
export class WorkerImageStatus {
  private refused = 0;
  private since: number | null = null;

  constructor(readonly image: string) {}

  get missing(): boolean {
    return this.since !== null;
  }

  /** `count` creates were refused for a missing image. Returns true when that is news (it was thought present). */
  recordRefused(count: number, now: number = Date.now()): boolean {
    this.refused += count;
    const news = this.since === null;
    this.since ??= now;
    return news;
  }

  /** A create succeeded. Returns true when the image had been missing until now. */
  recordAvailable(): boolean {
    const wasMissing = this.since !== null;
    this.since = null;
    return wasMissing;
  }

  snapshot(): WorkerImageSnapshot {
    return { image: this.image, missing: this.missing, refusedCreates: this.refused, missingSince: this.since === null ? null : new Date(this.since).toISOString() };
  }
}

/**
 * The create failed because the registry has no such image. How the real API words this is
 * unverified: these are the registry's and flyctl's wordings (`manifest unknown`, `name unknown`,
 * `Could not find image`), refused with a 4xx other than the ones that mean something else.
 */
export function isImageMissing(error: unknown): boolean {
  if (!isFlyApiError(error) || error.status < 400 || error.status >= 500 || [401, 403, 408, 409, 429].includes(error.status)) return false;
  return /manifest unknown|manifest_unknown|name unknown|could not find image|image not found|unable to (pull|resolve|fetch) image|failed to (get|resolve|fetch|pull) (image|manifest)/i.test(error.errorText);
}
