import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_KEY, TEST_KEYS, type TestApp, useTestApp } from '../support/app.js';
import { createJob, wavInput } from '../support/jobs.js';

const MACHINES = '{ machines { id state } }';

describe('operator data (machines) with API_KEYS set', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('refuses machines to a key that is not in ADMIN_API_KEYS: an error and no data', async () => {
    const result = await app.graphql(MACHINES, {}, TEST_KEYS[0]);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(/not authorized/i);
  });

  it('answers machines to an admin key', async () => {
    const result = await app.graphql(MACHINES, {}, TEST_ADMIN_KEY);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ machines: [] });
  });

  it('lets an admin key, listed only in ADMIN_API_KEYS, work as a tenant of its own', async () => {
    const job = await createJob(app, wavInput(4), TEST_ADMIN_KEY);
    expect((await app.graphql('query ($id: ID!) { job(id: $id) { id } }', { id: job.id }, TEST_ADMIN_KEY)).data.job).toEqual({ id: job.id });
    expect((await app.graphql('query ($id: ID!) { job(id: $id) { id } }', { id: job.id }, TEST_KEYS[0])).data.job).toBeNull();
  });
});

describe('operator data without API_KEYS', () => {
  it('answers machines to everyone', async () => {
    const app = await useTestApp({ API_KEYS: '' });
    const result = await app.graphql(MACHINES, {}, null);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ machines: [] });
  });
});
