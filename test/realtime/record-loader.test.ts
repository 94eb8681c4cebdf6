import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOutputsTable } from '../../src/db/schema.js';
import { jobRecordLoader, loadJobRecord } from '../../src/jobs/reader.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, jobUuid, wavInput } from '../support/jobs.js';

describe('the subscriptions’ record loader', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('reads a job and its outputs in one statement, exactly as the GraphQL reader maps them', async () => {
    const { db } = app.server.services;
    const [withOutputs, without] = await Promise.all([createJob(app, wavInput(4)), createJob(app, wavInput(4))]);
    const id = jobUuid(withOutputs.id);
    // Beside the output the job was created with, every column type: bigint, float, jsonb, nulls, a timestamp with microseconds; positions out of order.
    await db.insert(jobOutputsTable).values([
      { jobId: id, position: 2, name: 'b', contentType: 'audio/mpeg', key: 'k/b.mp3', sizeBytes: 9_007_199_254, durationSeconds: 1.25, loudness: { integratedLufs: -14.2, truePeakDbtp: -1.1, lraLu: 5 } as any, createdAt: new Date('2026-01-02T03:04:05.678Z') },
      { jobId: id, position: 1, name: 'a', contentType: 'image/jpeg', key: 'k/a.jpg', width: 640, height: 360, skippedReason: null },
      { jobId: id, position: 3, name: 'c', contentType: 'video/mp4', key: 'k/c.mp4', skippedReason: 'ABOVE_SOURCE' },
    ]);
    await db.delete(jobOutputsTable).where(eq(jobOutputsTable.jobId, jobUuid(without.id)));
    const loader = jobRecordLoader(db);
    const [loaded, loadedWithout, missing] = await Promise.all([
      loader.load(id),
      loader.load(jobUuid(without.id).toUpperCase()),
      loader.load('00000000-0000-4000-8000-000000000000'),
    ]);
    const expected = await loadJobRecord(db, id);
    expect(loaded).toEqual(expected);
    expect(loaded!.outputs.map((output) => output.name)).toEqual(['mp3-128k', 'a', 'b', 'c']);
    expect(loaded!.outputs[2]!.createdAt).toBeInstanceOf(Date);
    expect(loadedWithout).toEqual(await loadJobRecord(db, jobUuid(without.id)));
    expect(loadedWithout!.outputs).toEqual([]);
    expect(missing).toBeNull();
  });
});
