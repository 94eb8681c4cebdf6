import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { JobRecord } from '../jobs/reader.js';
import {
  jobOutputsTable,
  jobsTable,
  webhookAttemptsTable,
  webhookDeliveriesTable as deliveries,
  type WebhookAttempt,
  type WebhookDelivery,
} from '../db/schema.js';

/**
 * The deliveries table's SQL. Rows are created by the `jobs_enqueue_webhook` trigger (see
 * drizzle/0002_webhook_trigger.sql); here they are claimed, finished and read. A claim is a lease
 * (`lease_id`, `locked_until`) rather than a transaction held across the HTTP call, so a slow
 * receiver holds no connection and no row lock, and a claim whose instance died simply expires.
 */


type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'execute'>;

/** Claims up to `limit` due deliveries, skipping rows other instances are claiming at this moment. */
export async function claimDueDeliveries(db: Executor, options: { limit: number; leaseMs: number }): Promise<WebhookDelivery[]> {
  const due = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.status, 'PENDING'),
        lte(deliveries.nextAttemptAt, sql`now()`),
        or(isNull(deliveries.lockedUntil), lte(deliveries.lockedUntil, sql`now()`)),
      ),
    )
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(options.limit)
    .for('update', { skipLocked: true });
  return db
    .update(deliveries)
    .set({
      attempts: sql`${deliveries.attempts} + 1`,
      leaseId: sql`gen_random_uuid()`,
      lockedUntil: sql`now() + make_interval(secs => ${options.leaseMs / 1000})`,
      updatedAt: sql`now()`,
    })
    .where(inArray(deliveries.id, due))
    .returning();
}

/** What to do with a claimed delivery after its attempt. */
export type DeliveryDecision =
  | { kind: 'delivered' }
  /** No more attempts: the receiver answered 410, or the URL is refused by the SSRF guard. */
  | { kind: 'stop' }
  /** Retry after `delayMs`, unless that falls outside the retry window: then the delivery FAILED. */
  | { kind: 'retry'; delayMs: number; windowSeconds: number };

export interface AttemptRecord {
  attemptedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
}

/**
 * Records an attempt and moves the delivery on, in one transaction, guarded by the claim's lease.
 * Returns null when the lease was lost (the claim expired and another instance took it over).
 */
export async function finishAttempt(
  db: Database,
  claim: Pick<WebhookDelivery, 'id' | 'leaseId' | 'attempts'>,
  attempt: AttemptRecord,
  decision: DeliveryDecision,
): Promise<WebhookDelivery | null> {
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(deliveries)
      .set({ ...decisionColumns(decision), leaseId: null, lockedUntil: null, updatedAt: sql`now()` })
      .where(and(eq(deliveries.id, claim.id), eq(deliveries.leaseId, claim.leaseId!), eq(deliveries.status, 'PENDING')))
      .returning();
    if (!updated) return null;
    await tx.insert(webhookAttemptsTable).values({ deliveryId: claim.id, attempt: claim.attempts, ...attempt });
    return updated;
  });
}

function decisionColumns(decision: DeliveryDecision) {
  switch (decision.kind) {
    case 'delivered':
      return { status: 'DELIVERED' as const, deliveredAt: sql`now()`, nextAttemptAt: null };
    case 'stop':
      return { status: 'FAILED' as const, nextAttemptAt: null };
    case 'retry': {
      const nextAt = sql`now() + make_interval(secs => ${decision.delayMs / 1000})`;
      const inWindow = sql`(${nextAt} <= ${deliveries.createdAt} + make_interval(secs => ${decision.windowSeconds}))`;
      return {
        status: sql<'PENDING' | 'FAILED'>`case when ${inWindow} then 'PENDING' else 'FAILED' end`,
        nextAttemptAt: sql<Date | null>`case when ${inWindow} then ${nextAt} end`,
      };
    }
  }
}

/** Hands a claim back unattempted (shutdown cut it short): due again at once, and not counted. */
export async function releaseClaim(db: Executor, claim: Pick<WebhookDelivery, 'id' | 'leaseId'>): Promise<void> {
  await db
    .update(deliveries)
    .set({ leaseId: null, lockedUntil: null, attempts: sql`greatest(${deliveries.attempts} - 1, 0)`, updatedAt: sql`now()` })
    .where(and(eq(deliveries.id, claim.id), eq(deliveries.leaseId, claim.leaseId!)));
}

/**
 * Milliseconds until some pending delivery can be claimed (its attempt is due and no live claim
 * holds it), measured on the database's clock so instances with skewed clocks agree; null when none.
 */
export async function millisecondsUntilNextDue(db: Executor): Promise<number | null> {
  const [row] = await db
    .select({
      waitMs: sql<string | null>`extract(epoch from min(greatest(${deliveries.nextAttemptAt}, coalesce(${deliveries.lockedUntil}, ${deliveries.nextAttemptAt}))) - now()) * 1000`,
    })
    .from(deliveries)
    .where(eq(deliveries.status, 'PENDING'));
  return row?.waitMs == null ? null : Math.max(0, Number(row.waitMs));
}

/** A delivery with its attempts, oldest first: what `Job.webhookDeliveries` resolves from. */
export interface DeliveryWithAttempts {
  delivery: WebhookDelivery;
  attempts: WebhookAttempt[];
}

/** A job's deliveries in the order their events happened. The caller has already scoped the job to its tenant. */
export async function listDeliveriesOfJob(db: Executor, jobId: string): Promise<DeliveryWithAttempts[]> {
  const rows = await db.select().from(deliveries).where(eq(deliveries.jobId, jobId)).orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttemptsTable)
    .where(inArray(webhookAttemptsTable.deliveryId, rows.map((row) => row.id)))
    .orderBy(asc(webhookAttemptsTable.id));
  return rows.map((delivery) => ({ delivery, attempts: attempts.filter((attempt) => attempt.deliveryId === delivery.id) }));
}
