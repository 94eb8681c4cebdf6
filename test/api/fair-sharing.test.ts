import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCredential } from '../../src/workers/credentials.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { createJob, jobUuid, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';

/** Fair sharing through the API and the worker protocol, as tenants and workers see it. */
describe('fair sharing between tenants, end to end', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ TENANT_MAX_RUNNING: '3', LEASE_MS: '60000' });
  });
  afterAll(() => app.stop());

  const queueJob = async (key: string) => {
    const job = await createJob(app, wavInput(4), key);
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    expect((await runMutation(app, START_JOB, job.id, key)).status).toBe('QUEUED');
    return jobUuid(job.id);
  };
  const claim = async (): Promise<string | null> => {
    const response = await fetch(`${app.url}/worker/v1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${machineCredential(app.server.services.signingKey)}` },
      body: JSON.stringify({ machineId: 'machine-1', waitMs: 0 }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { job: { id: string } | null }).job?.id ?? null;
  };

  it("claims tenant B's one job within two claims, behind tenant A's backlog; A waits at TENANT_MAX_RUNNING", async () => {
    const [tenantA, tenantB] = TEST_KEYS;
    const backlog: string[] = [];
    for (let index = 0; index < 12; index += 1) backlog.push(await queueJob(tenantA));
    expect(await claim()).toBe(backlog[0]);
    const bJob = await queueJob(tenantB);
    const next = [await claim(), await claim()];
    expect(next).toContain(bJob);
    expect(next).toContain(backlog[1]);
    expect(await claim()).toBe(backlog[2]);
    // A now has three RUNNING (TENANT_MAX_RUNNING=3): its nine other jobs wait, though a worker asks.
    expect(await claim()).toBeNull();
  });
});
