import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export const JOB_UPDATED = 'subscription ($id: ID!) { jobUpdated(id: $id) { id status attempts progress { phase percent } } }';

export interface JobEvent {
  status: string;
  attempts: number;
  percent: number | null;
}

/** What a subscriber saw. */
export interface Recorder {
  events: JobEvent[];
  /** GraphQL errors received (a refused subscription has one and no event). */
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** How the stream ended: `complete` (the protocol's end of operation), `end` (transport closed without it), `error`. */
  ended: Promise<'complete' | 'end' | 'error'>;
  /** The first event (received already or later) that satisfies `predicate`. */
  until(predicate: (event: JobEvent) => boolean, timeoutMs?: number): Promise<JobEvent>;
  close(): Promise<void>;
}

function createRecorder(): Recorder & { push(data: any): void; finish(how: 'complete' | 'end' | 'error'): void } {
  const waiters = new Set<() => void>();
  let finish!: (how: 'complete' | 'end' | 'error') => void;
  const recorder = {
    events: [] as JobEvent[],
    errors: [] as Recorder['errors'],
    ended: new Promise<'complete' | 'end' | 'error'>((resolve) => (finish = resolve)),
    push(result: any) {
      if (result.errors) recorder.errors.push(...result.errors);
      const job = result.data?.jobUpdated;
      if (job) recorder.events.push({ status: job.status, attempts: job.attempts, percent: job.progress?.percent ?? null });
      for (const waiter of waiters) waiter();
    },
    finish: (how: 'complete' | 'end' | 'error') => finish(how),
    until(predicate: (event: JobEvent) => boolean, timeoutMs = 15_000) {
      return new Promise<JobEvent>((resolve, reject) => {
        const check = () => {
          const found = recorder.events.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(recorder.events)} ${JSON.stringify(recorder.errors)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: async () => {},
  };
  return recorder;
}

export interface WebSocketSubscriberOptions {
  /** Called at every (re)connection: a switching URL is how a client moves to another instance. */
  url: () => string;
  jobId: string;
  key: string;
  /** @default 0 */
  retryAttempts?: number;
}

/** A real graphql-ws client (the `ws` package) subscribed to one job. */
export function subscribeOverWebSocket(options: WebSocketSubscriberOptions): Recorder & { client: Client; closeCodes: number[] } {
  const recorder = createRecorder();
  const closeCodes: number[] = [];
  const client = createClient({
    url: () => options.url().replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${options.key}` },
    retryAttempts: options.retryAttempts ?? 0,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
    shouldRetry: () => true,
    on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
  });
  client.subscribe(
    { query: JOB_UPDATED, variables: { id: options.jobId } },
    { next: (result) => recorder.push(result), complete: () => recorder.finish('complete'), error: () => recorder.finish('error') },
  );
  return { ...recorder, client, closeCodes, close: () => client.dispose() as Promise<void> };
}

/** A subscription over Server-Sent Events: fetch with `Accept: text/event-stream`, parsed by hand. */
export function subscribeOverSse(url: string, jobId: string, key: string): Recorder {
  const recorder = createRecorder();
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: JOB_UPDATED, variables: { id: jobId } }),
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (event === 'next' && data) recorder.push(JSON.parse(data));
        if (event === 'complete') return recorder.finish('complete');
      }
    }
    recorder.finish('end');
  })().catch(() => recorder.finish('error'));
  return { ...recorder, close: async () => abort.abort() };
}

/** True when percent never decreases between two events of the same attempt. */
export function percentNeverDecreases(events: JobEvent[]): boolean {
  return events.every((event, index) => {
    const previous = events[index - 1];
    if (!previous || previous.attempts !== event.attempts || previous.percent === null || event.percent === null) return true;
    return event.percent >= previous.percent;
  });
}
