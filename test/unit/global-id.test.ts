import { describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId, jobUuidOf } from '../../src/jobs/global-id.js';

const UUID = '0d6b3f0e-9c1a-4f7e-8a2b-3c4d5e6f7a8b';
const OLD_ID = Buffer.from(`Job:${UUID}`).toString('base64');

describe('global ids', () => {
  it('gives a job a short id of "job_" and 22 base62 characters', () => {
    const id = encodeGlobalId('Job', UUID);
    expect(id).toMatch(/^job_[0-9A-Za-z]{22}$/);
    expect(id.length).toBeLessThanOrEqual(30);
    expect(OLD_ID.length).toBe(56);
  });

  it('decodes the short id and the older base64 id to the same job', () => {
    expect(decodeGlobalId(encodeGlobalId('Job', UUID))).toEqual({ typename: 'Job', id: UUID });
    expect(jobUuidOf(encodeGlobalId('Job', UUID))).toBe(UUID);
    expect(jobUuidOf(OLD_ID)).toBe(UUID);
  });

  it('round-trips the smallest and the largest UUID', () => {
    for (const uuid of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']) {
      expect(jobUuidOf(encodeGlobalId('Job', uuid))).toBe(uuid);
    }
  });

  it('refuses ids that are malformed, too large or name another type', () => {
    expect(jobUuidOf('job_zzzzzzzzzzzzzzzzzzzzzz')).toBeNull(); // above 2^128
    expect(jobUuidOf('job_short')).toBeNull();
    expect(jobUuidOf('run_0000000000000000000000')).toBeNull();
    expect(jobUuidOf(Buffer.from(`Tenant:${UUID}`).toString('base64'))).toBeNull();
    expect(jobUuidOf('not an id')).toBeNull();
    expect(jobUuidOf('')).toBeNull();
  });
});
