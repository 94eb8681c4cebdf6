import type { Database } from '../db/client.js';
import type { WebhookDelivery } from '../db/schema.js';
import type { OutputUrlContext } from '../jobs/output-urls.js';
import type { Logger } from '../logger.js';
import type { WebhookOutcome } from '../metrics/telemetry.js';
import { loadJobRecord } from '../jobs/reader.js';
import { finishAttempt, releaseClaim, type AttemptRecord, type DeliveryDecision } from './deliveries.js';
import { buildWebhookPayload, isWebhookEventType } from './payload.js';
import { judgeResponse, retryDelayMs } from './retry-policy.js';
import { sendWebhook, type WebhookRequest } from './send.js';
import { resolveWebhookTarget, type ResolveHost } from './url-guard.js';

/** What one attempt needs; built once per deliverer. */
export interface AttemptContext {
  db: Database;
  logger: Logger;
  /** Signs a body per Standard Webhooks: the `webhook-signature` header value. */
  sign(webhookId: string, timestamp: Date, body: string): string;
  urls: OutputUrlContext;
  allowPrivate: boolean;
  timeoutMs: number;
  retryBaseMs: number;
  maxRetrySeconds: number;
  /** Aborted when the instance shuts down. */
  signal: AbortSignal;
  /** DNS for the SSRF guard (tests substitute one). */
  resolveHost?: ResolveHost;
  /** Told how each recorded attempt ended (metrics). */
  onAttempt?: (outcome: WebhookOutcome) => void;
}

/** An attempt's result and the delivery's next step, ready to be recorded. */
interface Outcome {
  result: AttemptRecord;
  decision: DeliveryDecision;
}

/**
 * Makes one attempt of a claimed delivery and records it: re-checks the URL against the SSRF
 * guard, builds the payload with fresh output URLs, signs it with the delivery's fixed webhook-id,
 * POSTs it, and records the result with the next step (delivered, retry later, or stop).
 * Never rejects: a failure to record leaves the claim to expire, and the attempt is made again.
 */
export async function attemptDelivery(context: AttemptContext, claim: WebhookDelivery): Promise<void> {
  const log = context.logger.child({ jobId: claim.jobId, deliveryId: claim.id, webhookId: claim.webhookId, attempt: claim.attempts });
  try {
    let prepared: WebhookRequest | Outcome;
    try {
      prepared = await prepareRequest(context, claim);
    } catch (error) {
      // Recorded as a failed attempt, so a persistent fault (the store, say) still backs off and ends.
      log.error({ err: error }, 'webhook request could not be prepared');
      prepared = { result: failure('internal error while preparing the request'), decision: retryDecision(context, claim) };
    }
    if ('decision' in prepared) return await recordOutcome(context, claim, prepared, log);

    const attemptedAt = new Date();
    const sent = await sendWebhook(prepared);
    if (sent.aborted) {
      await releaseClaim(context.db, claim);
      log.info('webhook attempt interrupted by shutdown; handed back');
      return;
    }
    const verdict = judgeResponse(sent.responseStatus);
    const decision: DeliveryDecision =
      verdict === 'delivered' ? { kind: 'delivered' } : verdict === 'gone' ? { kind: 'stop' } : retryDecision(context, claim);
    const { durationMs, responseStatus, error } = sent;
    await recordOutcome(context, claim, { result: { attemptedAt, durationMs, responseStatus, error }, decision }, log);
  } catch (error) {
    log.error({ err: error }, 'webhook attempt could not be recorded; it is retried when its claim expires');
  }
}

/** The signed request for this attempt, or the outcome of not sending one (a refused URL). */
async function prepareRequest(context: AttemptContext, claim: WebhookDelivery): Promise<WebhookRequest | Outcome> {
  const record = await loadJobRecord(context.db, claim.jobId);
  const webhookUrl = record?.job.webhookUrl;
  if (!record || !webhookUrl || !isWebhookEventType(claim.eventType)) {
    return { result: failure('the job or its webhook URL no longer exists'), decision: { kind: 'stop' } };
  }
  const target = await resolveWebhookTarget(webhookUrl, { allowPrivate: context.allowPrivate, resolveHost: context.resolveHost });
  if ('reason' in target) {
    // A URL the policy refuses stays refused; only a host that did not resolve is worth retrying.
    const decision = target.transient ? retryDecision(context, claim) : ({ kind: 'stop' } as const);
    return { result: failure(`refused: the webhook URL ${target.reason}`), decision };
  }

  const payload = await buildWebhookPayload(record, { type: claim.eventType, occurredAt: claim.createdAt }, context.urls);
  const body = JSON.stringify(payload);
  const now = new Date();
  return {
    target,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'ffly-webhooks/1',
      'webhook-id': claim.webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': context.sign(claim.webhookId, now, body),
    },
    timeoutMs: context.timeoutMs,
    signal: context.signal,
  };
}

function retryDecision(context: AttemptContext, claim: WebhookDelivery): DeliveryDecision {
  return { kind: 'retry', delayMs: retryDelayMs(claim.attempts, context.retryBaseMs), windowSeconds: context.maxRetrySeconds };
}

function failure(error: string): AttemptRecord {
  return { attemptedAt: new Date(), durationMs: 0, responseStatus: null, error };
}

async function recordOutcome(context: AttemptContext, claim: WebhookDelivery, { result, decision }: Outcome, log: Logger): Promise<void> {
  const updated = await finishAttempt(context.db, claim, result, decision);
  if (!updated) {
    log.warn('webhook claim expired before its attempt was recorded; another instance owns it now');
    return;
  }
  // The error is ours or an excerpt of the receiver's answer with URLs removed; the webhook URL
  // itself (which may carry a token) is never logged.
  const { responseStatus, durationMs, error } = result;
  context.onAttempt?.(updated.status === 'DELIVERED' ? 'delivered' : updated.status === 'PENDING' ? 'retrying' : 'failed');
  const fields = { status: updated.status, responseStatus, durationMs, error, nextAttemptAt: updated.nextAttemptAt };
  if (updated.status === 'DELIVERED') log.info(fields, 'webhook delivered');
  else if (updated.status === 'PENDING') log.warn(fields, 'webhook attempt failed; will retry');
  else log.warn(fields, 'webhook delivery failed; no more attempts');
}
