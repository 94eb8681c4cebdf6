import { jobUuidOf } from '../../src/jobs/global-id.js';
import type { TestApp } from './app.js';

export const JOB_FIELDS = `
  id status attempts machineId priority webhookUrl notices createdAt updatedAt startedAt finishedAt
  progress { phase percent speed etaSeconds outTimeSeconds updatedAt }
  source { filename contentType sizeBytes durationSeconds upload { url method headers { name value } expiresAt } }
  outputs { name contentType sizeBytes durationSeconds url }
  error { code message }
`;

const BASE_FIELDS = `__typename ... on Job { ${JOB_FIELDS} } ... on Error { message }`;

export const CREATE_JOB = `mutation ($input: CreateJobInput!) { createJob(input: $input) { ${BASE_FIELDS} ... on ValidationError { field } } }`;
export const START_JOB = `mutation ($id: ID!) { startJob(id: $id) { ${BASE_FIELDS} ... on ValidationError { field } ... on InvalidStateError { status } } }`;
export const CANCEL_JOB = `mutation ($id: ID!) { cancelJob(id: $id) { ${BASE_FIELDS} ... on InvalidStateError { status } } }`;
export const GET_JOB = `query ($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

export async function createJob(app: TestApp, input: Record<string, unknown>, key?: string) {
  const result = await app.graphql(CREATE_JOB, { input }, key);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createJob;
}

/** PUTs the body to the job's presigned upload URL with exactly the headers the API handed out. */
export async function upload(job: { source: { upload: { url: string; headers: Array<{ name: string; value: string }> } } }, body: Uint8Array) {
  const headers = Object.fromEntries(job.source.upload.headers.map((header) => [header.name, header.value]));
  const response = await fetch(job.source.upload.url, { method: 'PUT', headers, body: Buffer.from(body) });
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
}

export async function runMutation(app: TestApp, document: string, id: string, key?: string) {
  const result = await app.graphql(document, { id }, key);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return Object.values(result.data as Record<string, any>)[0];
}

export const wavInput = (sizeBytes: number, extra: Record<string, unknown> = {}) => ({
  source: { filename: 'tone.wav', contentType: 'audio/wav', sizeBytes },
  outputs: [{ audio: { format: 'MP3', bitrateKbps: 128 } }],
  ...extra,
});

/** The job's uuid (database id) from its GraphQL global id. */
export function jobUuid(globalId: string): string {
  const uuid = jobUuidOf(globalId);
  if (!uuid) throw new Error(`Not a job id: ${globalId}`);
  return uuid;
}
