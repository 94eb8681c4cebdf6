/**
 * The subscribers of `bench:progress`, in their own process so they do not weigh on the API
 * instances' CPU or memory readings: real graphql-ws clients (the `ws` package), each on its own
 * socket unless `perSocket` says otherwise.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription {
  url: string;
  jobId: string;
  /** Whether the job's worker reports to the same instance (the frame needs no NOTIFY round trip). */
  local: boolean;
}

export type SubscribersRequest =
  | { type: 'open'; key: string; subscriptions: Subscription[]; perSocket: number }
  | { type: 'samples' }
  | { type: 'close' };

/** One frame: when the report it shows was sent, and how long it took to reach the subscriber. */
export interface Sample {
  sentAt: number;
  latencyMs: number;
  local: boolean;
}

export type SubscribersReply =
  | { type: 'opened'; count: number; ms: number }
  | { type: 'samples'; samples: Sample[] }
  | { type: 'closed' };

const QUERY = 'subscription ($id: ID!) { jobUpdated(id: $id) { status progress { percent outTimeSeconds } } }';
const CONNECT_CONCURRENCY = 200;

const now = () => performance.timeOrigin + performance.now();
const send = (reply: SubscribersReply) => process.send!(reply);
let clients: Client[] = [];
let samples: Sample[] = [];

/** Subscribes; resolves once the first event (the job as it is now) has arrived. */
function subscribe(client: Client, subscription: Subscription): Promise<void> {
  return new Promise((resolve, reject) => {
    let first = true;
    client.subscribe(
      { query: QUERY, variables: { id: subscription.jobId } },
      {
        next(result) {
          const progress = (result.data as any)?.jobUpdated?.progress;
          // The simulated worker puts its send time (epoch seconds) in outTimeSeconds.
          if (!first && progress?.outTimeSeconds) {
            const sentAt = progress.outTimeSeconds * 1000;
            samples.push({ sentAt, latencyMs: now() - sentAt, local: subscription.local });
          }
          if (first) resolve();
          first = false;
        },
        error: reject,
        complete: () => {},
      },
    );
  });
}

async function open(key: string, subscriptions: Subscription[], perSocket: number): Promise<void> {
  const started = now();
  const groups: Subscription[][] = [];
  for (let index = 0; index < subscriptions.length; index += perSocket) groups.push(subscriptions.slice(index, index + perSocket));
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      const client = createClient({
        url: group[0]!.url.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
        lazy: false,
      });
      clients.push(client);
      await Promise.all(group.map((subscription) => subscribe(client, subscription)));
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  send({ type: 'opened', count: subscriptions.length, ms: now() - started });
}

// Never outlive the benchmark, even when it crashes.
process.once('disconnect', () => process.exit(0));

process.on('message', (request: SubscribersRequest) => {
  if (request.type === 'open') {
    open(request.key, request.subscriptions, request.perSocket).catch((error: unknown) => {
      console.error('opening subscriptions failed', error);
      process.exit(1);
    });
  } else if (request.type === 'samples') {
    send({ type: 'samples', samples });
    samples = [];
  } else if (request.type === 'close') {
    void Promise.all(clients.map((client) => client.dispose())).then(() => {
      clients = [];
      send({ type: 'closed' });
    });
  }
});
