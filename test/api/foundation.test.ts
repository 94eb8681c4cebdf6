import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';

describe('the API server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('answers /health while the process is up', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /ready only when the database answers', async () => {
    const response = await fetch(`${app.url}/ready`);
    expect(response.status).toBe(200);
  });

  it('serves GraphiQL to a browser at /graphql', async () => {
    const response = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('graphiql');
  });

  it('refuses a request without an API key with 401 and no data', async () => {
    const result = await app.graphql('{ jobs { edges { cursor } } }', {}, null);
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/Missing API key/);
  });

  it('refuses an unknown API key', async () => {
    const result = await app.graphql('{ jobs { edges { cursor } } }', {}, 'not-a-key-of-this-server');
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.message).toBe('Invalid API key');
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${TEST_KEYS[0]}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(401);
  });

  it('answers malformed GraphQL with a clear error and keeps serving', async () => {
    const bad = await app.graphql('{ jobs { edges ');
    expect(bad.errors?.[0]?.message).toMatch(/Syntax Error/);
    const good = await app.graphql('{ jobs { edges { cursor } } }');
    expect(good.data).toEqual({ jobs: { edges: [] } });
  });

  it('refuses too many aliases, with a clear error', async () => {
    const aliases = Array.from({ length: 30 }, (_, index) => `a${index}: jobs { edges { cursor } }`).join(' ');
    const result = await app.graphql(`{ ${aliases} }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses an oversized query, with a clear error', async () => {
    const fields = Array.from({ length: 2500 }, () => '__typename').join(' ');
    const result = await app.graphql(`{ ${fields} }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/token/i);
  });

  it('accepts a WebSocket connection whose connection_init carries a valid key', async () => {
    const client = createClient({
      url: app.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${TEST_KEYS[0]}` },
      retryAttempts: 0,
    });
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ jobs { edges { cursor } } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { jobs: { edges: [] } } });
    await client.dispose();
  });

  it('closes a WebSocket whose connection_init has a wrong key with 4403', async () => {
    const code = await closeCodeFor({ type: 'connection_init', payload: { authorization: 'Bearer wrong-key-0000000000000' } });
    expect(code).toBe(4403);
  });

  it('closes a WebSocket with a malformed connection_init with 4400, and keeps serving others', async () => {
    const code = await closeCodeFor({ type: 'connection_init', payload: 'not an object' });
    expect(code).toBe(4400);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  async function closeCodeFor(message: unknown): Promise<number> {
    const socket = new WebSocket(app.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify(message));
    return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }
});
