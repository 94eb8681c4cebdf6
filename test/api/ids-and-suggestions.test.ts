import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, jobUuid, runMutation, START_JOB, wavInput } from '../support/jobs.js';

/** The id clients were given before short ids: base64 of "Job:<uuid>". */
const oldIdOf = (id: string) => Buffer.from(`Job:${jobUuid(id)}`).toString('base64');

describe('job ids and error suggestions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('gives jobs short ids, and still resolves the older base64 ids on every route', async () => {
    const job = await createJob(app, wavInput(1000));
    expect(job.id).toMatch(/^job_[0-9A-Za-z]{22}$/);
    const old = oldIdOf(job.id);
    expect(old).toHaveLength(56);

    expect((await app.graphql(GET_JOB, { id: old })).data.job.id).toBe(job.id);
    expect((await app.graphql('query ($id: ID!) { node(id: $id) { id ... on Job { status } } }', { id: old })).data.node).toEqual({
      id: job.id,
      status: 'AWAITING_UPLOAD',
    });
    expect((await app.graphql('query ($id: ID!) { node(id: $id) { id } }', { id: job.id })).data.node.id).toBe(job.id);
    // Not uploaded yet: startJob finds the job (ValidationError about the upload), it does not say NotFound.
    expect(await runMutation(app, START_JOB, old)).toMatchObject({ __typename: 'ValidationError' });

    const events = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TEST_KEYS[0]}` },
      body: JSON.stringify({ query: 'subscription ($id: ID!) { jobUpdated(id: $id) { id status } }', variables: { id: old } }),
    });
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('"jobUpdated"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain(`"jobUpdated":{"id":"${job.id}","status":"AWAITING_UPLOAD"}`);

    expect(await runMutation(app, CANCEL_JOB, old)).toMatchObject({ __typename: 'Job', id: job.id, status: 'CANCELED' });
  });

  it('suggests the field a caller with a valid key meant', async () => {
    const result = await app.graphql('{ jobs(first: 1) { edges { node { completedAt } } } }');
    expect(result.errors?.[0]?.message).toMatch(/^Cannot query field "completedAt" on type "Job"\. Did you mean .*"(finishedAt|createdAt)"/);
  });

  it('keeps the schema to itself for a caller without a valid key', async () => {
    const result = await app.graphql('{ jobs(first: 1) { edges { node { completedAt } } } }', {}, 'not-a-valid-key-0123456789');
    expect(result.data).toBeUndefined();
    for (const error of result.errors ?? []) expect(error.message).not.toMatch(/Did you mean|createdAt|finishedAt/);
  });

  it('suggests fields on a local stack, where no key is needed', async () => {
    const local = await startTestApp({ API_KEYS: '' });
    try {
      const result = await local.graphql('{ jobs(first: 1) { edges { node { completedAt } } } }', {}, null);
      expect(result.errors?.[0]?.message).toMatch(/Did you mean/);
    } finally {
      await local.stop();
    }
  });
});
