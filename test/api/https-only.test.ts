import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load-config.js';
import { machineCredential } from '../../src/workers/credentials.js';
import { type GraphQLResponse, TEST_KEYS, startTestApp, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

const QUERY = JSON.stringify({ query: '{ jobs(first: 1) { edges { cursor } } }' });

describe('on Fly: an HTTPS-only public service and a plain-HTTP worker port', () => {
  let app: TestApp;
  let workerUrl: string;
  let media: MediaWorkspace;
  beforeAll(async () => {
    // FLY_APP_NAME, which Fly sets in every machine, turns REQUIRE_HTTPS on.
    app = await startTestApp({ FLY_APP_NAME: 'ffly-api', WORKER_PORT: '0', LEASE_MS: '3000' });
    workerUrl = app.server.workerUrl!;
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });

  const graphqlOver = (proto: string | null) =>
    fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS[0]}`, ...(proto ? { 'x-forwarded-proto': proto } : {}) },
      body: QUERY,
    });

  it('refuses client requests that did not come over HTTPS, and serves those that did', async () => {
    const plain = await graphqlOver('http');
    const unknown = await graphqlOver(null);
    const secure = await graphqlOver('https');

    expect(plain.status).toBe(403);
    expect(((await plain.json()) as { error: string }).error).toMatch(/only answers over HTTPS/);
    expect(unknown.status).toBe(403);
    expect(secure.status).toBe(200);
    // Fly's health checks come straight to the machine, without the header.
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
  });

  it('refuses a plain-HTTP WebSocket upgrade before a key can be sent', async () => {
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { 'x-forwarded-proto': 'http' } });
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => reject(new Error('the upgrade was accepted')));
    });
    expect(status).toBe(403);
  });

  it('serves the worker protocol on the worker port over plain HTTP, and nothing for clients there', async () => {
    const claim = await fetch(`${workerUrl}/worker/v1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${machineCredential(app.server.services.signingKey)}`, 'x-forwarded-proto': 'http' },
      body: JSON.stringify({ machineId: null, waitMs: 0 }),
    });

    expect(claim.status).toBe(200);
    expect(await claim.json()).toEqual({ job: null });
    expect((await fetch(`${workerUrl}/health`)).status).toBe(200);
    expect((await fetch(`${workerUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS[0]}` }, body: QUERY })).status).toBe(404);
    // And the public service no longer takes worker traffic at all.
    expect((await fetch(`${app.url}/worker/v1/claim`, { method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: '{}' })).status).toBe(404);
  });

  it('lets a real worker run a job through the worker port alone', async () => {
    startWorker(app, { API_URL: workerUrl });
    const bytes = await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    // The test talks to the public service as Fly's proxy would forward an HTTPS client.
    const secureApp: TestApp = { ...app, graphql: (query, variables) => graphqlAs(app, query, variables) };
    const job = await createJob(secureApp, { source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: bytes.length }, outputs: [{ audio: { format: 'MP3' } }] });
    await upload(job, bytes);
    await runMutation(secureApp, START_JOB, job.id);

    const done = await waitFor(async () => {
      const current = (await graphqlAs(app, GET_JOB, { id: job.id })).data.job;
      return ['COMPLETED', 'FAILED'].includes(current.status) ? current : undefined;
    }, 60_000, 'the job to finish');
    expect(done).toMatchObject({ status: 'COMPLETED', machineId: 'local-worker' });
  });
});

async function graphqlAs(app: TestApp, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS[0]}`, 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

describe('the HTTPS and worker-port settings', () => {
  it('require HTTPS on Fly by default and nowhere else, unless REQUIRE_HTTPS says so', () => {
    expect(loadConfig({}).requireHttps).toBe(false);
    expect(loadConfig({ FLY_APP_NAME: 'ffly-api' }).requireHttps).toBe(true);
    expect(loadConfig({ FLY_APP_NAME: 'ffly-api', REQUIRE_HTTPS: 'false' }).requireHttps).toBe(false);
    expect(loadConfig({ REQUIRE_HTTPS: 'true' }).requireHttps).toBe(true);
  });

  it('take a worker port distinct from the public one', () => {
    expect(loadConfig({}).workerPort).toBeNull();
    expect(loadConfig({ WORKER_PORT: '8081', PORT: '8080' }).workerPort).toBe(8081);
    expect(() => loadConfig({ WORKER_PORT: '8080', PORT: '8080' })).toThrow(/WORKER_PORT: must differ from PORT/);
  });
});
