import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceFetch } from '../../protocol/worker-api.js';
import { fetchSource, SourceFetchError } from '../../transcoder/src/fetch-source.js';
import { startSourceServer, type SourceServer } from '../support/source-server.js';

describe('fetchSource, in process', () => {
  let server: SourceServer;
  let dir: string;
  const body = Buffer.from('0123456789'.repeat(1000));
  beforeAll(async () => {
    server = await startSourceServer();
    server.add('data.bin', body);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-fetch-'));
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const port = () => new URL(server.url).port;
  const fetchOptions = (url: string, extra: Partial<SourceFetch> = {}): SourceFetch => ({
    url,
    allowPrivate: false,
    maxBytes: 1_000_000,
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 2_000,
    ...extra,
  });
  const run = (url: string, options: Partial<Parameters<typeof fetchSource>[0]> = {}) =>
    fetchSource({ fetch: fetchOptions(url), file: path.join(dir, 'out'), signal: new AbortController().signal, retryDelayMs: () => 0, ...options });
  const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as SourceFetchError);

  it('connects to the address it checked, whatever the host name (DNS pinned per connection)', async () => {
    let lookups = 0;
    const resolveHost = async () => (lookups++, [{ address: '127.0.0.1', family: 4 }]);
    const fetched = await run(`http://media.invalid:${port()}/plain/data.bin`, { resolveHost, publicAddresses: ['127.0.0.1'] });
    expect(fetched.sizeBytes).toBe(body.length);
    expect(await fs.readFile(path.join(dir, 'out'))).toEqual(body);
    expect(lookups).toBe(1);
  });

  it('refuses a host with one refused address among public ones, before connecting', async () => {
    const before = server.gets.get('/plain/data.bin') ?? 0;
    const resolveHost = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const error = await failure(run(`http://media.invalid:${port()}/plain/data.bin`, { resolveHost }));
    expect(error).toMatchObject({ code: 'SOURCE_FETCH_FAILED', transient: false });
    expect(error!.message).toBe(
      `http://media.invalid:${port()}/plain/data.bin was refused: its host is a loopback address, which sources may not reach (INGEST_ALLOW_PRIVATE)`,
    );
    expect(server.gets.get('/plain/data.bin') ?? 0).toBe(before);
  });

  it('checks every IPv4-embedding IPv6 form on a redirect hop', async () => {
    const target = encodeURIComponent('http://[::ffff:169.254.169.254]/latest/meta-data/');
    const error = await failure(run(`${server.url}/to?target=${target}`, { publicAddresses: ['127.0.0.1'] }));
    expect(error!.message).toBe(
      'the redirect to http://[::ffff:a9fe:a9fe]/latest/meta-data/ was refused: its host is a link-local address, which sources may not reach (INGEST_ALLOW_PRIVATE)',
    );
  });

  it('follows 5 redirects and refuses the sixth', async () => {
    const allow = { fetch: fetchOptions('', { allowPrivate: true }) };
    expect((await run(`${server.url}/redirect/5/data.bin`, { fetch: { ...allow.fetch, url: `${server.url}/redirect/5/data.bin` } })).sizeBytes).toBe(body.length);
    const error = await failure(run('', { fetch: { ...allow.fetch, url: `${server.url}/redirect/6/data.bin` } }));
    expect(error!.message).toBe(`${server.url}/redirect/6/data.bin redirected more than 5 times`);
  });

  it('tries a 5xx again, and a 4xx never', async () => {
    const retries: string[] = [];
    const error = await failure(
      run('', { fetch: fetchOptions(`${server.url}/missing`, { allowPrivate: true }), onRetry: (failed) => retries.push(failed.message) }),
    );
    expect(error!.message).toBe(`${server.url}/missing answered HTTP 404 Not Found`);
    expect(retries).toEqual([]);

    const unavailable = await failure(
      run('', { fetch: fetchOptions(`${server.url}/status/503`, { allowPrivate: true }), onRetry: (failed) => retries.push(failed.message) }),
    );
    expect(unavailable!.message).toBe(`${server.url}/status/503 answered HTTP 503 Service Unavailable (tried 3 times)`);
    expect(retries).toHaveLength(2);
    expect(server.gets.get('/status/503')).toBe(3);
  });
});
