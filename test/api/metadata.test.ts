import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { wavInput } from '../support/jobs.js';

const CREATE = `mutation ($input: CreateJobInput!) {
  createJob(input: $input) { __typename ... on Job { id metadata } ... on ValidationError { field message } }
}`;
const LIST = `query ($metadata: JSONObject) { jobs(first: 100, metadata: $metadata) { edges { node { id metadata } } } }`;
const READ = `query ($id: ID!) { job(id: $id) { metadata } }`;

describe('job metadata', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  const create = async (metadata: unknown, extra: Record<string, unknown> = {}, key?: string) =>
    (await app.graphql(CREATE, { input: wavInput(4, { metadata, ...extra }) }, key)).data.createJob;
  const listIds = async (metadata: unknown, key?: string) =>
    (await app.graphql(LIST, { metadata }, key)).data.jobs.edges.map((edge: any) => edge.node.id);

  it('is returned as given, on the job and when read back; absent is null', async () => {
    const metadata = { customer: 'acme', 'order-id': '1234', note: 'ünïcode ✓' };
    const job = await create(metadata);
    expect(job).toEqual({ __typename: 'Job', id: expect.any(String), metadata });
    expect((await app.graphql(READ, { id: job.id })).data.job.metadata).toEqual(metadata);
    expect((await create(null)).metadata).toBeNull();
  });

  it('is refused past 16 keys, with a value that is not a string, or past 4 KB', async () => {
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    expect(await create(seventeen)).toMatchObject({ __typename: 'ValidationError', field: 'input.metadata' });
    expect(await create({ count: 3 })).toMatchObject({ __typename: 'ValidationError', field: 'input.metadata.count' });
    expect(await create({ nested: { a: 'b' } })).toMatchObject({ __typename: 'ValidationError', field: 'input.metadata.nested' });
    const big = await create({ a: 'x'.repeat(4100) });
    expect(big).toMatchObject({ __typename: 'ValidationError', field: 'input.metadata' });
    expect(big.message).toMatch(/4096/);
    expect((await create({ a: 'x'.repeat(4000) })).__typename).toBe('Job');
  });

  it('filters jobs(metadata:) by containment, within the tenant only', async () => {
    const red = await create({ batch: 'b1', color: 'red' });
    const blue = await create({ batch: 'b1', color: 'blue' });
    await create({ batch: 'b2', color: 'red' });
    const other = await create({ batch: 'b1', color: 'red' }, {}, TEST_KEYS[1]);
    expect(new Set(await listIds({ batch: 'b1' }))).toEqual(new Set([red.id, blue.id]));
    expect(await listIds({ batch: 'b1', color: 'red' })).toEqual([red.id]);
    expect(await listIds({ batch: 'b1', color: 'green' })).toEqual([]);
    expect(await listIds({ batch: 'b1' }, TEST_KEYS[1])).toEqual([other.id]);
    const refused = await app.graphql(LIST, { metadata: { batch: 1 } });
    expect(refused.errors?.[0]?.message).toMatch(/metadata.batch must be a string/);
  });

  it('is part of the idempotency comparison', async () => {
    const first = await create({ run: '1' }, { idempotencyKey: 'meta-key' });
    expect((await create({ run: '1' }, { idempotencyKey: 'meta-key' })).id).toBe(first.id);
    expect(await create({ run: '2' }, { idempotencyKey: 'meta-key' })).toMatchObject({ __typename: 'ValidationError', field: 'input.idempotencyKey' });
    // So is expiresAt: a Date must not hash as "{}" whatever its value.
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const inADay = new Date(Date.now() + 86_400_000).toISOString();
    await create(null, { idempotencyKey: 'expiry-key', expiresAt: inAnHour });
    expect(await create(null, { idempotencyKey: 'expiry-key', expiresAt: inADay })).toMatchObject({ __typename: 'ValidationError', field: 'input.idempotencyKey' });
  });
});
