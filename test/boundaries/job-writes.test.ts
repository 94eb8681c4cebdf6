import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The one owner of the job lifecycle: every statement that writes `jobs` lives here. */
const OWNER = 'src/jobs/sql/';
/**
 * One-time data migrations, run once when the schema changes, never by the running service: the
 * fair places of jobs already QUEUED when `fair_seq` arrived. Matched by name (the number may change).
 */
const BACKFILLS = [/^drizzle\/\d{4}_fair_seq_backfill\.sql: sql update$/];
const isBackfill = (write: string) => BACKFILLS.some((pattern) => pattern.test(write));

/**
 * Every statement in the application code (src/, scripts/, drizzle/ migrations' functions) that writes the `jobs` table: drizzle's `update/insert/delete(jobsTable)`, and hand-written SQL
 * (`update jobs`, `insert into jobs`, `delete from jobs`, also inside CTEs). Each as "file: kind".
 * Tests and benchmarks are left out: they build fixtures directly.
 */
function jobWrites(): string[] {
  const found: string[] = [];
  for (const directory of ['src', 'scripts', 'drizzle']) {
    const absolute = path.join(ROOT, directory);
    if (!fs.existsSync(absolute)) continue;
    for (const file of fs.readdirSync(absolute, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|sql)$/.test(file)) continue;
      const relative = path.posix.join(directory, file.split(path.sep).join('/'));
      const source = fs.readFileSync(path.join(absolute, file), 'utf8');
      const patterns: Array<[string, RegExp]> = [
        ['drizzle update', /\.update\(\s*jobsTable\s*\)/g],
        ['drizzle insert', /\.insert\(\s*jobsTable\s*\)/g],
        ['drizzle delete', /\.delete\(\s*jobsTable\s*\)/g],
        ['sql update', /\bupdate\s+"?jobs"?\s+(set|as|\w+\s+set)\b/gi],
        ['sql insert', /\binsert\s+into\s+"?jobs"?[\s(]/gi],
        ['sql delete', /\bdelete\s+from\s+"?jobs"?\b/gi],
      ];
      for (const [kind, pattern] of patterns) {
        for (const _ of source.matchAll(pattern)) found.push(`${relative}: ${kind}`);
      }
    }
  }
  return found.sort();
}

describe('the jobs table', () => {
  it('is written only by the job lifecycle owner, src/jobs/sql/', () => {
    const writes = jobWrites().filter((write) => !isBackfill(write));
    expect(writes.filter((write) => !write.startsWith(OWNER))).toEqual([]);
    // The full list, so a new writer is a reviewed change of this test, not a surprise.
    expect(writes).toEqual([
      'src/jobs/sql/claim-job.ts: sql update',
      // Split jobs (issue 18): a task's claim and hand-back, the split, the job's progress from its tasks.
      'src/jobs/sql/claim-task.ts: sql update',
      'src/jobs/sql/claim-task.ts: sql update',
      'src/jobs/sql/complete-job.ts: sql update',
      'src/jobs/sql/delete-job.ts: sql delete',
      'src/jobs/sql/insert-job.ts: drizzle update',
      'src/jobs/sql/insert-job.ts: sql insert',
      'src/jobs/sql/lease.ts: drizzle update',
      'src/jobs/sql/lease.ts: drizzle update',
      'src/jobs/sql/requeue-expired.ts: sql update',
      'src/jobs/sql/source-copy.ts: drizzle update',
      'src/jobs/sql/split-job.ts: sql update',
      'src/jobs/sql/task-lease.ts: sql update',
      'src/jobs/sql/transition.ts: sql update',
    ]);
  });

  it('finds a write outside the owner (the check can fail)', () => {
    const stray = path.join(ROOT, 'src', 'http', '__stray-writer.ts');
    fs.writeFileSync(stray, "await db.execute(sql`update jobs set status = 'FAILED'`);\n");
    try {
      expect(jobWrites()).toContain('src/http/__stray-writer.ts: sql update');
    } finally {
      fs.rmSync(stray);
    }
  });
});
