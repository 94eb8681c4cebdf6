import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaFile, SCHEMA_FILE } from '../../src/graphql/print.js';

describe('schema/schema.graphql', () => {
  it('is the schema the code prints (run `npm run schema:print` after changing types)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(printSchemaFile());
  });

  it('keeps the names and nullability of the public contract', () => {
    const printed = printSchemaFile();
    for (const line of [
      'createJob(input: CreateJobInput!): CreateJobResult!',
      'startJob(id: ID!): StartJobResult!',
      'cancelJob(id: ID!): CancelJobResult!',
      'jobUpdated(id: ID!): Job!',
      'jobs(',
      'machines: [WorkerMachine!]!',
      'union CreateJobResult = Job | ValidationError',
      'union StartJobResult = InvalidStateError | Job | NotFoundError | ValidationError',
      'union CancelJobResult = InvalidStateError | Job | NotFoundError',
      'input OutputInput @oneOf',
      'edges: [JobEdge!]!',
    ]) {
      expect(printed).toContain(line);
    }
  });
});
