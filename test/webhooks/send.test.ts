import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendWebhook } from '../../src/webhooks/send.js';
import { gate, startReceiver } from './receiver.js';

/** A target whose host name resolves nowhere, pinned to the receiver's real address. */
const pinned = (receiverUrl: string, path = '/hook') => {
  const port = new URL(receiverUrl).port;
  return { url: new URL(`http://hooks.invalid:${port}${path}`), addresses: [{ address: '127.0.0.1', family: 4 }] };
};
const send = (target: ReturnType<typeof pinned>, options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
  sendWebhook({
    target,
    body: '{"type":"job.completed"}',
    headers: { 'content-type': 'application/json' },
    timeoutMs: options.timeoutMs ?? 2_000,
    signal: options.signal ?? new AbortController().signal,
  });

describe('sendWebhook', () => {
  it('connects to the address that was checked, never asking DNS again, and keeps the Host header', async () => {
    const receiver = await startReceiver();
    const result = await send(pinned(receiver.url));
    expect(result).toMatchObject({ responseStatus: 200, error: null, aborted: false });
    expect(receiver.requests[0]!.headers.host).toBe(`hooks.invalid:${new URL(receiver.url).port}`);
    expect(receiver.requests[0]!.body).toBe('{"type":"job.completed"}');
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await startReceiver();
    const redirect = await startRedirect(elsewhere.url);
    const result = await send({ url: new URL(`http://hooks.invalid:${redirect.port}/hook`), addresses: [{ address: '127.0.0.1', family: 4 }] });
    expect(result.responseStatus).toBe(307);
    expect(result.error).toMatch(/redirects are not followed/);
    expect(elsewhere.requests).toHaveLength(0);
    await redirect.close();
  });

  it('gives up on a receiver slower than the timeout', async () => {
    const slow = gate();
    const receiver = await startReceiver(async () => {
      await slow.opened;
      return 200;
    });
    const result = await send(pinned(receiver.url), { timeoutMs: 200 });
    slow.open();
    expect(result).toMatchObject({ responseStatus: null, error: 'timed out after 200 ms', aborted: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('describes a refused connection without naming the address', async () => {
    const receiver = await startReceiver();
    await receiver.close();
    const result = await send(pinned(receiver.url));
    expect(result).toMatchObject({ responseStatus: null, error: 'connection refused' });
  });

  it('keeps a short excerpt of what a failing receiver said', async () => {
    const receiver = await startReceiver(() => 503);
    const result = await send(pinned(receiver.url));
    expect(result).toMatchObject({ responseStatus: 503, error: 'the receiver answered HTTP 503: answered 503' });
  });

  it('keeps no URL a receiver echoes back', async () => {
    const echo = 'bad signature for {"url":"https://store.example.com/out.mp3?X-Amz-Signature=abc"}';
    const receiver = await startReceiver(() => ({ status: 400, body: echo }));
    const result = await send(pinned(receiver.url));
    expect(result.error).toBe('the receiver answered HTTP 400: bad signature for {"url":"[url]');
  });

  it('reports an attempt cut short by shutdown as aborted, not as the receiver\'s failure', async () => {
    const receiver = await startReceiver(() => new Promise<number>(() => {}));
    const shutdown = new AbortController();
    const sending = send(pinned(receiver.url), { signal: shutdown.signal });
    await receiver.waitForRequests(1);
    shutdown.abort();
    expect(await sending).toMatchObject({ responseStatus: null, aborted: true });
  });
});

/** A raw server that answers every request with a 307 to `location`. */
async function startRedirect(location: string) {
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${location}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
