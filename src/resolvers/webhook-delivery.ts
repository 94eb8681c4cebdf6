import { WEBHOOK_DELIVERY_STATUSES, type WebhookAttempt } from '../db/schema.js';
import { builder } from '../graphql/builder.js';
import { listDeliveriesOfJob, type DeliveryWithAttempts } from '../webhooks/deliveries.js';
import { JobRef } from './job.js';

/** A job's webhook events and every attempt to deliver each: `Job.webhookDeliveries`. */

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'PENDING until a 2xx (DELIVERED), or until a 410, a refused URL or the end of the retry window (FAILED).',
  values: WEBHOOK_DELIVERY_STATUSES,
});

const WebhookDeliveryAttemptRef = builder.objectRef<WebhookAttempt>('WebhookDeliveryAttempt').implement({
  description: 'One POST of a webhook event to the job\'s webhookUrl.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first attempt of the event.' }),
    attemptedAt: t.field({ type: 'DateTime', resolve: (attempt) => attempt.attemptedAt }),
    durationMs: t.exposeInt('durationMs'),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: 'Null when no response arrived.' }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'Why the attempt did not deliver (a timeout, a refused URL, the status the receiver answered); null for a 2xx.',
    }),
  }),
});

const WebhookDeliveryRef = builder.objectRef<DeliveryWithAttempts>('WebhookDelivery').implement({
  description:
    'One webhook event of a job (job.completed, job.failed or job.canceled) and its delivery, retried with backoff until a 2xx, a 410 or the end of the retry window.',
  fields: (t) => {
    const latest = (record: DeliveryWithAttempts) => record.attempts.at(-1);
    return {
      eventType: t.string({ description: 'One of job.completed, job.failed, job.canceled.', resolve: ({ delivery }) => delivery.eventType }),
      webhookId: t.string({
        description: 'The webhook-id header, the same on every attempt of this event: receivers deduplicate on it.',
        resolve: ({ delivery }) => delivery.webhookId,
      }),
      status: t.field({ type: WebhookDeliveryStatusEnum, resolve: ({ delivery }) => delivery.status }),
      attemptedAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When the latest attempt was made; null before the first.',
        resolve: (record) => latest(record)?.attemptedAt ?? null,
      }),
      responseStatus: t.int({
        nullable: true,
        description: "The receiver's HTTP status at the latest attempt; null when none arrived.",
        resolve: (record) => latest(record)?.responseStatus ?? null,
      }),
      error: t.string({
        nullable: true,
        description: 'Why the latest attempt did not deliver; null when it did, or before the first attempt.',
        resolve: (record) => latest(record)?.error ?? null,
      }),
      nextAttemptAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When the next attempt is due; null once DELIVERED or FAILED.',
        resolve: ({ delivery }) => (delivery.status === 'PENDING' ? delivery.nextAttemptAt : null),
      }),
      deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ delivery }) => delivery.deliveredAt }),
      createdAt: t.field({ type: 'DateTime', description: 'When the event happened.', resolve: ({ delivery }) => delivery.createdAt }),
      attempts: t.field({
        type: [WebhookDeliveryAttemptRef],
        description: 'Every attempt so far, oldest first.',
        resolve: ({ attempts }) => attempts,
      }),
    };
  },
});

builder.objectField(JobRef, 'webhookDeliveries', (t) =>
  t.field({
    type: [WebhookDeliveryRef],
    description: 'The webhook events of this job and their delivery attempts; empty without a webhookUrl or before a terminal status.',
    // The job was loaded for the viewer's tenant, so its deliveries are the tenant's too.
    resolve: ({ job }, _args, { services }) => listDeliveriesOfJob(services.db, job.id),
  }),
);
