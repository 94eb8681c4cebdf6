import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AuthThrottle } from '../../src/auth/auth-throttle.js';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { createJob, wavInput } from '../support/jobs.js';
import { captureLogs } from '../support/log-capture.js';

const [KEY_A, KEY_B] = TEST_KEYS;

describe('client mistakes are 4xx and one short log line', () => {
  it('answers a malformed escape under /hls/ with 400 and logs no stack', async () => {
    const logs = captureLogs();
    const app = await useTestApp({ LOG_LEVEL: 'info' }, { logger: logs.logger });
    const before = logs.lines().length;
    const response = await fetch(`${app.url}/hls/x/%E0%A4%A.m3u8`);
    expect(response.status).toBe(400);
    const lines = logs.lines().slice(before);
    expect(lines.length).toBeLessThanOrEqual(1);
    for (const line of lines) {
      expect(line).not.toMatch(/URIError|stack|\\n\s+at /);
      expect(JSON.parse(line).level).toBeLessThan(50);
    }
  });

  it('answers node(id:) and job(id:) with a crafted global id as null, without an error or SQL in the logs', async () => {
    const logs = captureLogs('debug');
    const app = await useTestApp({ LOG_LEVEL: 'debug' }, { logger: logs.logger });
    const crafted = [
      Buffer.from(`Job:${'-'.repeat(36)}`).toString('base64'),
      Buffer.from('Job:not-a-uuid').toString('base64'),
      Buffer.from("Job:00000000-0000-0000-0000-00000000000'").toString('base64'),
      'not base64 at all %%%',
    ];
    for (const id of crafted) {
      const node = await app.graphql('query ($id: ID!) { node(id: $id) { id } }', { id });
      expect(node.errors, JSON.stringify(node.errors)).toBeUndefined();
      expect(node.data).toEqual({ node: null });
      const job = await app.graphql('query ($id: ID!) { job(id: $id) { id } }', { id });
      expect(job.errors).toBeUndefined();
      expect(job.data).toEqual({ job: null });
    }
    const text = logs.lines().join('\n');
    expect(text).not.toMatch(/select |Failed query|params:/i);
    expect(logs.records().filter((record) => (record.level as number) >= 50)).toEqual([]);
  });

  it('never writes SQL text or parameters when a query fails and its error is logged', async () => {
    const logs = captureLogs();
    const app = await useTestApp({}, { logger: logs.logger });
    const error = await app.server.services.db.execute(sql`select ${'secret-parameter'}::uuid as id from jobs`).catch((caught: unknown) => caught);
    expect(String((error as Error).message)).toMatch(/Failed query/); // drizzle's own message carries the SQL
    logs.logger.error({ err: error }, 'query failed');
    logs.logger.error(error as Error);
    const text = logs.lines().join('\n');
    expect(text).not.toMatch(/secret-parameter|select |Failed query/i);
    expect(text).toMatch(/invalid input syntax for type uuid/); // the database's reason stays
  });
});

describe('throttling', () => {
  it('backs a client address off after a few wrong keys (429 with Retry-After), even for a right key while blocked', async () => {
    const app = await useTestApp();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const result = await app.graphql('{ jobs { edges { cursor } } }', {}, `wrong-key-${attempt}-0123456789`);
      statuses.push(result.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    const blocked = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY_A}` },
      body: JSON.stringify({ query: '{ jobs { edges { cursor } } }' }),
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('grows the block with every further failure, and forgets after a quiet period', () => {
    let now = 0;
    const throttle = new AuthThrottle({ freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000, now: () => now });
    const waits: number[] = [];
    for (let failure = 1; failure <= 8; failure += 1) {
      throttle.failed('203.0.113.9');
      waits.push(throttle.retryAfterSeconds('203.0.113.9'));
      now += waits.at(-1)! * 1000;
    }
    expect(waits).toEqual([0, 0, 0, 1, 2, 4, 8, 8]);
    expect(throttle.retryAfterSeconds('198.51.100.1')).toBe(0);
    now += 61_000;
    throttle.failed('203.0.113.9');
    expect(throttle.retryAfterSeconds('203.0.113.9')).toBe(0);
  });

  it('refuses an unauthenticated body over 64 KB before reading it, with or without Content-Length; keys keep the normal limit', async () => {
    const app = await useTestApp();
    const big = JSON.stringify({ query: `{ jobs { edges { cursor } } }`, variables: { pad: 'x'.repeat(200 * 1024) } });
    const sized = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(sized.status).toBe(413);

    const chunked = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
      for (let offset = 0; offset < big.length; offset += 16 * 1024) request.write(big.slice(offset, offset + 16 * 1024));
      request.end();
    });
    expect(chunked).toBe(413);

    const authenticated = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY_A}` },
      body: big,
    });
    expect(authenticated.status).toBe(200);
  });

  it('caps the jobs one tenant has AWAITING_UPLOAD (MAX_PENDING_UPLOADS)', async () => {
    const app = await useTestApp({ MAX_PENDING_UPLOADS: '3' });
    const keyed = await createJob(app, { ...wavInput(1000), idempotencyKey: 'first-of-three' });
    for (let index = 0; index < 2; index += 1) expect((await createJob(app, wavInput(1000))).__typename).toBe('Job');
    const refused = await createJob(app, wavInput(1000));
    expect(refused).toMatchObject({ __typename: 'ValidationError', field: 'input.source' });
    expect(refused.message).toMatch(/awaiting their upload/);
    // A retry of a job already made is answered as before, cap or not; the cap refuses only new jobs.
    expect((await createJob(app, { ...wavInput(1000), idempotencyKey: 'first-of-three' })).id).toBe(keyed.id);
    expect(await createJob(app, { ...wavInput(1000), idempotencyKey: 'a-new-one' })).toMatchObject({ __typename: 'ValidationError', field: 'input.source' });
    expect((await createJob(app, wavInput(1000), KEY_B)).__typename).toBe('Job');
    const [jobs] = await app.server.services.sql`select count(*)::int as n from jobs`;
    expect(jobs!.n).toBe(4);
  });
});
