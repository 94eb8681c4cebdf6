import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TEST_KEYS, useTestApp } from '../support/app.js';

const CREATE_JOB = `mutation { createJob(input: { source: { filename: "a.wav", contentType: "audio/wav", sizeBytes: 100 }, outputs: [{ audio: { format: MP3 } }] }) { __typename } }`;

/** A raw HTTP request, so the test controls Host and every other header (fetch would not). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

async function jobCount(app: Awaited<ReturnType<typeof useTestApp>>, key: string | null): Promise<number> {
  const result = await app.graphql<{ jobs: { edges: unknown[] } }>('{ jobs(first: 100) { edges { cursor } } }', {}, key);
  return result.data!.jobs.edges.length;
}

describe('browsers on other sites', () => {
  it('gets no CORS grant from a preflight, unless CORS_ORIGINS lists the origin', async () => {
    const app = await useTestApp({ CORS_ORIGINS: 'https://app.example' });
    const preflight = (origin: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const evil = await preflight('http://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const listed = await preflight('https://app.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();

    const post = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS[0]}` },
      body: JSON.stringify({ query: '{ jobs { edges { cursor } } }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent(CREATE_JOB)}`],
    ['text/plain', JSON.stringify({ query: CREATE_JOB })],
    ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${CREATE_JOB}\r\n--x--\r\n`],
  ])('refuses a mutation sent as a simple cross-site request (%s)', async (contentType, body) => {
    const app = await useTestApp({ API_KEYS: '' }); // keyless: a page needs no key, only a way in
    const response = await rawRequest(`${app.url}/graphql`, {
      method: 'POST',
      headers: { host: new URL(app.url).host, origin: 'http://evil.example', 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(415);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(await jobCount(app, null)).toBe(0);
  });

  it('refuses a mutation sent as a GET (an <img> or link on another site)', async () => {
    const app = await useTestApp({ API_KEYS: '' });
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent(CREATE_JOB)}`);
    expect(response.status).toBe(405);
    expect(await jobCount(app, null)).toBe(0);
  });

  it('refuses, without API keys, requests whose Host is not a loopback name (DNS rebinding)', async () => {
    const app = await useTestApp({ API_KEYS: '' });
    const port = new URL(app.url).port;
    const body = JSON.stringify({ query: CREATE_JOB });
    for (const host of [`rebind.evil.example:${port}`, `192.168.1.20:${port}`, 'evil.example']) {
      const graphql = await rawRequest(`${app.url}/graphql`, { method: 'POST', headers: { host, 'content-type': 'application/json' }, body });
      expect(graphql.status).toBe(403);
      const health = await rawRequest(`${app.url}/health`, { headers: { host } });
      expect(health.status).toBe(403);
    }
    expect(await jobCount(app, null)).toBe(0);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      const health = await rawRequest(`${app.url}/health`, { headers: { host } });
      expect(health.status).toBe(200);
    }
  });

  it('accepts any Host with API keys (a rebinding page has no key)', async () => {
    const app = await useTestApp();
    const health = await rawRequest(`${app.url}/health`, { headers: { host: 'ffly.example.com' } });
    expect(health.status).toBe(200);
  });

  it('refuses a WebSocket from another site, and from a rebinding Host, on a keyless stack', async () => {
    const app = await useTestApp({ API_KEYS: '' });
    const wsUrl = `${app.url.replace('http', 'ws')}/graphql`;
    const opens = (headers: Record<string, string>) =>
      new Promise<boolean>((resolve) => {
        const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
        socket.on('open', () => {
          socket.close();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    expect(await opens({ origin: 'http://evil.example' })).toBe(false);
    expect(await opens({ host: 'rebind.evil.example' })).toBe(false);
    expect(await opens({ origin: app.url })).toBe(true);
    expect(await opens({})).toBe(true);
  });
});
