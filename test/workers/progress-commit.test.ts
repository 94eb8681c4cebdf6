import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import * as schema from '../../src/db/schema.js';
import { recordProgress } from '../../src/jobs/sql/lease.js';
import { machineCredential, verifyJobToken } from '../../src/workers/credentials.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';

/**
 * Progress reports (two a second per worker) commit without waiting for the WAL flush; everything
 * else keeps the server's durable setting. The test cluster runs with synchronous_commit off
 * throughout, so this test's own connection turns it on, and a trigger records the setting that
 * the progress UPDATE's transaction commits with.
 */
describe('a progress report', () => {
  let app: TestApp;
  let client: postgres.Sql;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '60000' });
    client = postgres(app.server.services.config.databaseUrl!, { max: 1, onnotice: () => {}, connection: { synchronous_commit: 'on' } });
    await client.unsafe(`
      create table progress_commit_settings (setting text not null);
      create function record_commit_setting() returns trigger language plpgsql as $$
        begin insert into progress_commit_settings values (current_setting('synchronous_commit')); return new; end $$;
      create trigger record_commit_setting after update on jobs for each row execute function record_commit_setting();
    `);
  });
  afterAll(async () => {
    await client?.end();
    await app?.stop();
  });

  it('commits without waiting for the WAL flush, for its own transaction only', async () => {
    const job = await createJob(app, wavInput(4));
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, START_JOB, job.id);
    const response = await fetch(`${app.url}/worker/v1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${machineCredential(app.server.services.signingKey)}` },
      body: JSON.stringify({ machineId: 'machine-1', waitMs: 0 }),
    });
    const claimed = ((await response.json()) as { job: ClaimedJob }).job;
    const lease = verifyJobToken(app.server.services.signingKey, claimed.token)!;
    await client`delete from progress_commit_settings`;

    const report = { phase: 'TRANSCODING' as const, percent: 10, speed: 1, etaSeconds: 5, outTimeSeconds: 1, sourceDurationSeconds: 10 };
    const outcome = await recordProgress(drizzle(client, { schema }), { ...lease, leaseMs: 60_000 }, report);
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.job).toMatchObject({ progressPhase: 'TRANSCODING', progressPercent: 10, progressSpeed: 1 });
    expect(await client`select setting from progress_commit_settings`).toEqual([{ setting: 'off' }]);
    // The session's own setting is untouched: the next statement on this connection commits durably.
    expect((await client`show synchronous_commit`)[0]!.synchronous_commit).toBe('on');
    await client`update jobs set updated_at = now() where id = ${lease.jobId}`;
    expect(await client`select setting from progress_commit_settings`).toEqual([{ setting: 'off' }, { setting: 'on' }]);
  });
});
