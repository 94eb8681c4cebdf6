import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { claimNextJob } from '../../src/jobs/sql/claim-job.js';
import { enqueueJob } from '../../src/jobs/sql/enqueue-job.js';
import { failJob } from '../../src/jobs/sql/fail-job.js';
import { insertJob } from '../../src/jobs/sql/insert-job.js';
import { createTestDatabase } from '../support/database.js';

/** The claim statement itself against real PostgreSQL: who gets served next. */
describe('fair claims between tenants', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
    handle = connectDatabase(database.url);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await handle.sql`delete from jobs`;
  });

  let clock = 0;
  /**
   * Queues `count` jobs of one tenant, each created after the previous, through the enqueue statement
   * (startJob's), which gives each its fair place.
   */
  const queue = async (tenant: string, count = 1, priority = 0): Promise<string[]> => {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      clock += 1;
      const [row] = await handle.sql`
        insert into jobs (tenant_id, status, priority, spec, source_filename, source_size_bytes, source_key, upload_expires_at, queued_at, created_at)
        values (${tenant}, 'AWAITING_UPLOAD', ${priority}, '{}'::jsonb, 'a.wav', 4, ${`sources/${tenant}/${clock}`}, now(), null,
          timestamptz '2026-01-01' + make_interval(secs => ${clock}::int))
        returning id`;
      await enqueueJob(handle.db, { id: row!.id as string, sizeBytes: 4 });
      ids.push(row!.id as string);
    }
    return ids;
  };
  const claim = async (tenantMaxRunning: number | null = null) =>
    claimNextJob(handle.db, { machineId: 'm', leaseMs: 60_000, tenantMaxRunning });
  const tenantOf = async (tenantMaxRunning: number | null = null) => (await claim(tenantMaxRunning))?.tenantId ?? null;

  it("claims a second tenant's job within two claims of it being queued behind another tenant's 50", async () => {
    await queue('a', 50);
    // A's backlog is being worked through when B's one job arrives.
    expect(await tenantOf()).toBe('a');
    expect(await tenantOf()).toBe('a');
    const [bJob] = await queue('b');
    const next = [await claim(), await claim()];
    expect(next.map((job) => job?.id)).toContain(bJob);
  });

  it('serves a tenant that was never claimed before one that was, even when its job is younger', async () => {
    await queue('a', 3);
    expect(await tenantOf()).toBe('a');
    await queue('b', 1);
    expect(await tenantOf()).toBe('b');
  });

  it('rotates over tenants with jobs of equal priority, each tenant oldest first', async () => {
    const a = await queue('a', 3);
    const b = await queue('b', 3);
    const c = await queue('c', 3);
    const claimed: string[] = [];
    for (let index = 0; index < 9; index += 1) claimed.push((await claim())!.id);
    // Each tenant's first job, in the order they were queued; then each tenant's second; and so on.
    expect(claimed).toEqual([a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]]);
    expect(await claim()).toBeNull();
  });

  it('still claims a higher priority first, whichever tenant queued it and however recently it was served', async () => {
    await queue('a', 2, 0);
    const [urgent] = await queue('b', 1, 5);
    const [alsoUrgent] = await queue('b', 1, 5);
    expect((await claim())!.id).toBe(urgent);
    // B was just served, but its priority-5 job still goes before A's priority-0 ones.
    expect((await claim())!.id).toBe(alsoUrgent);
    expect(await tenantOf()).toBe('a');
  });

  it('keeps a tenant at TENANT_MAX_RUNNING waiting while others run, and serves it when one finishes', async () => {
    await queue('a', 5);
    await queue('b', 1);
    expect(await tenantOf(2)).toBe('a');
    expect(await tenantOf(2)).toBe('b');
    expect(await tenantOf(2)).toBe('a');
    // A has two RUNNING: the cap holds its three other queued jobs back, and nobody else waits.
    expect(await claim(2)).toBeNull();
    await handle.db.execute(sql`update jobs set status = 'COMPLETED' where id = (select id from jobs where tenant_id = 'a' and status = 'RUNNING' limit 1)`);
    expect(await tenantOf(2)).toBe('a');
    expect(await claim(2)).toBeNull();
    // Without the cap, the same queue is claimable.
    expect(await tenantOf(null)).toBe('a');
  });

  it('puts a retried job back in the place it had, before jobs queued after it', async () => {
    const a = await queue('a', 3);
    const b = await queue('b', 3);
    const first = (await claim())!;
    expect(first.id).toBe(a[0]);
    expect((await claim())!.id).toBe(b[0]);
    expect((await claim())!.id).toBe(a[1]);
    expect((await claim())!.id).toBe(b[1]);
    // A's first job fails with a retryable code (no backoff here): QUEUED again, in its old place,
    // not behind A's and B's remaining jobs as a newly queued job of A would be.
    const outcome = await failJob(handle.db, { jobId: first.id, leaseId: first.leaseId! }, { code: 'STALLED', message: 'stalled', detail: null }, { maxAttempts: 3, retryBaseMs: 0 });
    expect(outcome.kind).toBe('ok');
    const [placed] = await handle.sql`select status, fair_seq from jobs where id = ${first.id}`;
    expect(placed!.status).toBe('QUEUED');
    expect(Number(placed!.fair_seq)).toBe(first.fairSeq);
    expect((await claim())!.id).toBe(a[0]);
    expect((await claim())!.id).toBe(a[2]);
    expect((await claim())!.id).toBe(b[2]);
  });

  it("does not let a job waiting out a long backoff put a newcomer's backlog before everyone else", async () => {
    const [stuck] = await queue('a', 1);
    const claimed = (await claim())!;
    expect(claimed.id).toBe(stuck);
    await failJob(handle.db, { jobId: claimed.id, leaseId: claimed.leaseId! }, { code: 'STALLED', message: 'stalled', detail: null }, { maxAttempts: 3, retryBaseMs: 3_600_000 });
    const a = await queue('a', 4);
    expect((await claim())!.id).toBe(a[0]);
    expect((await claim())!.id).toBe(a[1]);
    // B arrives with three jobs while A's first waits an hour in QUEUED, far back in the order:
    // B's jobs start where the claims have got to, so A and B alternate.
    const b = await queue('b', 3);
    const next: string[] = [];
    for (let index = 0; index < 5; index += 1) next.push((await claim())!.id);
    expect(next).toEqual([b[0], a[2], b[1], a[3], b[2]]);
    expect(await claim()).toBeNull();
  });

  it('places a job inserted QUEUED (a URL source) as startJob would: at the head, behind nobody', async () => {
    await queue('a', 5);
    expect(await tenantOf()).toBe('a');
    const record = await insertJob(handle.db, {
      tenantId: 'b', status: 'QUEUED', spec: {} as never, sourceFilename: 'a.wav', sourceKey: 'sources/b/url',
      sourceUrl: 'https://example.com/a.wav', uploadExpiresAt: new Date(), queuedAt: new Date(),
    }, [{ position: 0, name: 'a', contentType: 'audio/mpeg', key: 'outputs/b/a.mp3' }]);
    expect(record!.job.fairSeq).not.toBeNull();
    expect((await claim())!.id).toBe(record!.job.id);
  });

  it('passes over jobs waiting out a retry backoff to the next tenant', async () => {
    await queue('a', 1);
    await handle.sql`update jobs set run_after = now() + interval '1 hour' where tenant_id = 'a'`;
    await queue('b', 1);
    expect(await tenantOf()).toBe('b');
    expect(await claim()).toBeNull();
  });
});
