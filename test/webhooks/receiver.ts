import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { TestApp } from '../support/app.js';
import { waitFor } from '../support/worker.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers its n-th request (0-based): a status (and body), whenever the promise settles. */
export type Respond = (index: number, request: ReceivedWebhook) => Answer | Promise<Answer>;
type Answer = number | { status: number; body: string };

export interface Receiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A real webhook receiver on 127.0.0.1, closed when the test finishes. */
export async function startReceiver(respond: Respond = () => 200): Promise<Receiver> {
  const requests: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      requests.push(received);
      const answer = await respond(requests.length - 1, received);
      const { status, body } = typeof answer === 'number' ? { status: answer, body: `answered ${answer}` } : answer;
      if (!response.destroyed) response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  onTestFinished(close);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitForRequests: (count, timeoutMs = 15_000) =>
      waitFor(async () => (requests.length >= count ? requests.slice() : undefined), timeoutMs, `${count} webhook requests`),
    close,
  };
}

/** A promise and the function that settles it: holds a receiver's answer until the test says so. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export const DELIVERIES = `query ($id: ID!) { job(id: $id) { status webhookDeliveries {
  eventType webhookId status attemptedAt responseStatus error nextAttemptAt deliveredAt createdAt
  attempts { attempt attemptedAt durationMs responseStatus error }
} } }`;

/** The job's webhookDeliveries as the API shows them. */
export async function readDeliveries(app: TestApp, jobId: string): Promise<any[]> {
  const result = await app.graphql(DELIVERIES, { id: jobId });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.job.webhookDeliveries;
}

/** Waits until the job's only delivery is no longer PENDING, and returns it. */
export async function waitForSettledDelivery(app: TestApp, jobId: string, timeoutMs = 15_000): Promise<any> {
  return waitFor(
    async () => {
      const [delivery] = await readDeliveries(app, jobId);
      return delivery && delivery.status !== 'PENDING' ? delivery : undefined;
    },
    timeoutMs,
    'the delivery to settle',
  );
}
