import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ClaimedJob } from '../../protocol/worker-api.js';
import { jobUuidOf } from '../../src/jobs/global-id.js';
import { machineCredential } from '../../src/workers/credentials.js';

const HERE = import.meta.dirname;

/** A child process spoken to over IPC, one request and one reply at a time. */
export interface Child<Request, Reply extends { type: string }> {
  process: ChildProcess;
  /** Sends `message` and resolves with the next reply of type `replyType`. */
  request<K extends Reply['type']>(message: Request, replyType: K): Promise<Extract<Reply, { type: K }>>;
}

/** Forks `bench/progress/<file>` under tsx; `ready` resolves with its first message. */
export function forkChild<Request, Reply extends { type: string }>(
  file: string,
  options: { env?: Record<string, string>; execArgv?: string[] } = {},
): { child: Child<Request, Reply>; ready: Promise<Reply> } {
  const process_ = fork(path.join(HERE, file), [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<Reply>((resolve, reject) => {
    process_.once('message', (message) => resolve(message as Reply));
    process_.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  const child: Child<Request, Reply> = {
    process: process_,
    request(message, replyType) {
      return new Promise((resolve) => {
        const onMessage = (reply: Reply) => {
          if (reply.type !== replyType) return;
          process_.off('message', onMessage);
          resolve(reply as never);
        };
        process_.on('message', onMessage);
        process_.send(message as object);
      });
    },
  };
  return { child, ready };
}

async function graphql(url: string, key: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const CREATE = `mutation ($input: CreateJobInput!) { createJob(input: $input) {
  ... on Job { id source { upload { url headers { name value } } } } ... on Error { message } } }`;
const START = 'mutation ($id: ID!) { startJob(id: $id) { __typename ... on Error { message } } }';

export interface RunningJob {
  /** Global id, what subscribers use. */
  globalId: string;
  claimed: ClaimedJob;
}

/** Creates `count` jobs through the API (upload included), queues them, and claims them all as a worker would. */
export async function createRunningJobs(url: string, key: string, signingKey: Buffer, count: number): Promise<RunningJob[]> {
  const globalIds: string[] = [];
  const createOne = async () => {
    const input = { source: { filename: 'bench.wav', contentType: 'audio/wav', sizeBytes: 4 }, outputs: [{ audio: { format: 'MP3' } }] };
    const job = (await graphql(url, key, CREATE, { input })).createJob;
    if (!job.id) throw new Error(`createJob: ${job.message}`);
    const headers = Object.fromEntries(job.source.upload.headers.map((header: { name: string; value: string }) => [header.name, header.value]));
    const uploaded = await fetch(job.source.upload.url, { method: 'PUT', headers, body: Buffer.from([1, 2, 3, 4]) });
    if (!uploaded.ok) throw new Error(`upload: ${uploaded.status}`);
    const started = (await graphql(url, key, START, { id: job.id })).startJob;
    if (started.__typename !== 'Job') throw new Error(`startJob: ${started.message}`);
    globalIds.push(job.id);
  };
  for (let index = 0; index < count; index += 10) await Promise.all(Array.from({ length: Math.min(10, count - index) }, createOne));

  const credential = machineCredential(signingKey);
  const byId = new Map(globalIds.map((globalId) => [jobUuidOf(globalId)!, globalId]));
  const jobs: RunningJob[] = [];
  while (jobs.length < count) {
    const response = await fetch(`${url}/worker/v1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify({ machineId: 'bench', waitMs: 0 }),
    });
    const { job } = (await response.json()) as { job: ClaimedJob | null };
    if (!job) throw new Error(`only ${jobs.length} of ${count} jobs could be claimed`);
    jobs.push({ globalId: byId.get(job.id)!, claimed: job });
  }
  return jobs;
}
