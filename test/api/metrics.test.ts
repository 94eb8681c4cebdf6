import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantIdForKey } from '../../src/auth/api-keys.js';
import { startTestApp, TEST_KEYS, type TestApp } from '../support/app.js';
import { createJob, GET_JOB, jobUuid, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format, samples only (comments skipped); enough for these metrics. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

describe('GET /metrics on METRICS_PORT', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp({ METRICS_PORT: '0', LEASE_MS: '5000' });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
  });

  const scrape = async () => {
    const response = await fetch(`${app.server.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parsePrometheus(text) };
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted)).reduce((sum, sample) => sum + sample.value, 0);

  it('is served on its own listener, not on the API port, and nothing but GET /metrics', async () => {
    expect(app.server.metricsUrl).not.toBe(app.url);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${app.server.metricsUrl}/`)).status).toBe(404);
  });

  it('moves as a job is queued, claimed and completed by a real worker, and names no tenant or job', async () => {
    const before = (await scrape()).samples;
    expect(value(before, 'ffly_realtime_listener_connected')).toBe(1);

    const source = await fs.readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    const job = await createJob(app, { source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes: source.length }, outputs: [{ audio: { format: 'MP3' } }] });
    await upload(job, source);
    expect((await runMutation(app, START_JOB, job.id)).status).toBe('QUEUED');

    const queued = (await scrape()).samples;
    expect(value(queued, 'ffly_queue_depth')).toBe(value(before, 'ffly_queue_depth') + 1);
    expect(value(queued, 'ffly_jobs', { status: 'QUEUED' })).toBe(value(before, 'ffly_jobs', { status: 'QUEUED' }) + 1);
    expect(value(queued, 'ffly_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    // createJob and startJob: two mutations over HTTP, under the route's pattern and operation type.
    const mutations = { route: '/graphql', operation: 'mutation' };
    expect(value(queued, 'ffly_http_request_duration_seconds_count', mutations)).toBeGreaterThanOrEqual(value(before, 'ffly_http_request_duration_seconds_count', mutations) + 2);

    startWorker(app);
    await waitFor(async () => ((await app.graphql(GET_JOB, { id: job.id })).data.job.status === 'COMPLETED' ? true : undefined), 60_000, 'the job to complete');

    const { text, samples: after } = await scrape();
    expect(value(after, 'ffly_jobs', { status: 'COMPLETED' })).toBe(value(before, 'ffly_jobs', { status: 'COMPLETED' }) + 1);
    expect(value(after, 'ffly_queue_depth')).toBe(value(before, 'ffly_queue_depth'));
    expect(value(after, 'ffly_job_queue_wait_seconds_count')).toBe(value(before, 'ffly_job_queue_wait_seconds_count') + 1);
    expect(value(after, 'ffly_job_duration_seconds_count', { status: 'COMPLETED' })).toBe(value(before, 'ffly_job_duration_seconds_count', { status: 'COMPLETED' }) + 1);
    // The worker's own calls are HTTP requests too, under the worker route's prefix.
    expect(value(after, 'ffly_http_request_duration_seconds_count', { route: '/worker/v1/' })).toBeGreaterThan(0);
    // Declared with its help text even before a sample (a short job may end before ffmpeg states a speed).
    expect(text).toContain('# TYPE ffly_ffmpeg_speed histogram');
    expect(text).toContain('# TYPE ffly_webhook_deliveries_total counter');
    expect(text).toContain('# TYPE ffly_fly_api_calls_total counter');
    expect(text).toContain('# TYPE ffly_machines gauge');

    // No tenant id, job id (either form) or key anywhere in the scrape.
    for (const secret of [tenantIdForKey(TEST_KEYS[0]), job.id, jobUuid(job.id), TEST_KEYS[0]]) expect(text).not.toContain(secret);
  });
});
