import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TERMINAL_STATUSES } from '../../src/db/schema.js';
import { isAllowedTransition, JOB_TRANSITIONS } from '../../src/jobs/transitions.js';

describe('the job transition table', () => {
  it('lets nothing leave a terminal status, and takes RUNNING back to QUEUED on release and lease loss', () => {
    for (const terminal of TERMINAL_STATUSES) {
      expect(JOB_TRANSITIONS.some((transition) => (transition.from as readonly string[]).includes(terminal))).toBe(false);
    }
    expect(isAllowedTransition('RUNNING', 'QUEUED')).toBe(true);
    expect(isAllowedTransition('QUEUED', 'COMPLETED')).toBe(false);
    expect(isAllowedTransition('AWAITING_UPLOAD', 'RUNNING')).toBe(false);
  });

  it('names every event the SQL modules record', () => {
    const directory = path.resolve(import.meta.dirname, '../../src/jobs/sql');
    const events = new Set(JOB_TRANSITIONS.map((transition) => transition.event));
    for (const file of fs.readdirSync(directory)) {
      const source = fs.readFileSync(path.join(directory, file), 'utf8');
      for (const [, event] of source.matchAll(/event: '([a-z_]+)'/g)) expect(events, `${file}: ${event}`).toContain(event);
      // Hand-written event inserts (claim, reaper) name theirs as a literal in the select list.
      for (const [, event] of source.matchAll(/select id, '([a-z_]+)', '/g)) expect(events, `${file}: ${event}`).toContain(event);
    }
  });
});
