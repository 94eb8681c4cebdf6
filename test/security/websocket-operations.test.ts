import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, runMutation, wavInput } from '../support/jobs.js';

const aliasBomb = `{ ${Array.from({ length: 40 }, (_, index) => `a${index}: machines { id }`).join(' ')} }`;
const tooDeep = `query { node(id: "x") { ${nest(14)} } }`;

/** A selection nested past the depth limit (graphql-armor's maxDepth). */
function nest(depth: number): string {
  return depth === 0 ? '__typename' : `__typename ... on Job { ${nest(depth - 1)} }`;
}

describe('graphql-ws: a bad operation on a shared socket', () => {
  it.each([
    ['a syntax error', '{ job(id: '],
    ['a validation error', '{ noSuchField }'],
    ['too many aliases', aliasBomb],
    ['too deep', tooDeep],
  ])('gets an error for its own id (%s); the socket and its live subscription go on', async (_name, badQuery) => {
    const app = await useTestApp();
    const job = await createJob(app, wavInput(1000));
    let closed: unknown = null;
    const client = createClient({
      url: `${app.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${TEST_KEYS[0]}` },
      retryAttempts: 0,
      lazy: false,
      on: { closed: (event) => (closed = event) },
    });
    const statuses: string[] = [];
    let firstEvent!: () => void;
    const seenFirst = new Promise<void>((resolve) => (firstEvent = resolve));
    const subscriptionDone = new Promise<string>((resolve) => {
      client.subscribe<{ jobUpdated: { status: string } }>(
        { query: 'subscription ($id: ID!) { jobUpdated(id: $id) { status } }', variables: { id: job.id } },
        {
          next: ({ data }) => {
            statuses.push(data!.jobUpdated.status);
            firstEvent();
          },
          error: (error) => resolve(`error: ${JSON.stringify(error)}`),
          complete: () => resolve('complete'),
        },
      );
    });
    await seenFirst;

    const badResult = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: badQuery }, { next: () => {}, error: resolve, complete: () => resolve('complete') });
    });
    // An `error` message carries the GraphQL errors; a closed socket would hand over a CloseEvent.
    expect(badResult, JSON.stringify(badResult)).toBeInstanceOf(Array);
    expect((badResult as Array<{ message: string }>)[0]!.message).toEqual(expect.any(String));
    expect(closed).toBeNull();

    await runMutation(app, CANCEL_JOB, job.id);
    expect(await subscriptionDone).toBe('complete');
    expect(statuses).toEqual(['AWAITING_UPLOAD', 'CANCELED']);
    expect(closed).toBeNull();
    await client.dispose();
  });
});
