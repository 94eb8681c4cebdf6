import type { JobRecord } from '../jobs/reader.js';
import { encodeGlobalId } from '../jobs/global-id.js';
import { mintOutputUrl, type OutputUrlContext } from '../jobs/output-urls.js';

/** The webhook event types; each is the terminal status it reports, e.g. COMPLETED -> job.completed. */
export const WEBHOOK_EVENT_TYPES = ['job.completed', 'job.failed', 'job.canceled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The body of every webhook: `{ type, timestamp, data: { job } }` per Standard Webhooks. */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened (the terminal transition), the same on every retry; ISO-8601. */
  timestamp: string;
  data: { job: WebhookJob };
}

/** The job as GraphQL shows it (same field names and id), minus what only a live client needs. */
export interface WebhookJob {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  source: { filename: string; contentType: string | null; sizeBytes: number | null; url: string | null; durationSeconds: number | null };
  outputs: Array<{
    name: string;
    contentType: string | null;
    sizeBytes: number | null;
    durationSeconds: number | null;
    width: number | null;
    height: number | null;
    loudness: { integratedLufs: number; truePeakDb: number; rangeLu: number } | null;
    url: string | null;
  }>;
  attempts: number;
  priority: number;
  notices: string[];
  /** The labels given at createJob, so a receiver can route the event without a lookup. */
  metadata: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * Builds the event body for one attempt. Output URLs are minted now, not when the event happened:
 * a retry hours later still carries URLs that work for DOWNLOAD_URL_TTL_S from its arrival.
 */
export async function buildWebhookPayload(
  record: JobRecord,
  event: { type: WebhookEventType; occurredAt: Date },
  urls: OutputUrlContext,
): Promise<WebhookPayload> {
  const { job, outputs } = record;
  const produced = outputs.filter((output) => output.skippedReason === null);
  return {
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: {
      job: {
        id: encodeGlobalId('Job', job.id),
        status: job.status,
        error: job.status === 'FAILED' && job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? job.errorCode } : null,
        source: {
          filename: job.sourceFilename,
          contentType: job.sourceContentType,
          sizeBytes: job.sourceSizeBytes,
          url: job.sourceUrl,
          durationSeconds: job.sourceDurationSeconds,
        },
        outputs: await Promise.all(
          produced.map(async (output) => ({
            name: output.name,
            contentType: output.contentType,
            sizeBytes: output.sizeBytes,
            durationSeconds: output.durationSeconds,
            width: output.width,
            height: output.height,
            loudness: output.loudness,
            url: await mintOutputUrl(urls, job, output),
          })),
        ),
        attempts: job.attempts,
        priority: job.priority,
        notices: job.notices,
        metadata: job.metadata ?? null,
        createdAt: job.createdAt.toISOString(),
        updatedAt: job.updatedAt.toISOString(),
        queuedAt: job.queuedAt?.toISOString() ?? null,
        startedAt: job.startedAt?.toISOString() ?? null,
        finishedAt: job.finishedAt?.toISOString() ?? null,
      },
    },
  };
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
