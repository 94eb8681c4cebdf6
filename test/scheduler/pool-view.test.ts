import { describe, expect, it } from 'vitest';
import { PoolView } from '../../src/pool/index.js';
import type { Machine } from '../../src/fly/index.js';

const listed = (id: string, state: string): Machine =>
  ({ id, state, name: id, region: 'local', instance_id: 'v1', created_at: '', updated_at: '2026-11-21T12:00:00Z', events: [], config: { image: 'i', metadata: { ffly_config_version: 'v' } } }) as Machine;

describe('PoolView', () => {
  it('takes in the listing, with each machine\'s config version', () => {
    const view = new PoolView();
    view.applyList([listed('a', 'stopped')]);
    expect(view.machines()).toEqual([{ id: 'a', state: 'stopped', version: 'v', lastExit: undefined, updatedAt: Date.parse('2026-11-21T12:00:00Z') }]);
  });

  it('keeps the outcome of its own start over a lagging listing, until the listing moves on', () => {
    const view = new PoolView();
    view.applyList([listed('a', 'stopped')], 0);
    view.recordAction('a', 'starting', 0);

    view.applyList([listed('a', 'stopped')], 1_000);
    expect(view.get('a')?.state).toBe('starting');
    view.applyList([listed('a', 'started')], 2_000);
    expect(view.get('a')?.state).toBe('started');
    view.applyList([listed('a', 'stopped')], 3_000);
    expect(view.get('a')?.state).toBe('stopped');
  });

  it('believes the listing again once its own action is old news', () => {
    const view = new PoolView();
    view.applyList([listed('a', 'stopped')], 0);
    view.recordAction('a', 'starting', 0);
    view.applyList([listed('a', 'stopped')], 60_000);
    expect(view.get('a')?.state).toBe('stopped');
  });

  it('forgets a machine missing from the listing, but not one it has just created', () => {
    const view = new PoolView();
    view.applyList([listed('a', 'stopped')], 0);
    view.addCreated(listed('new', 'created'), 0);

    const forgotten = view.applyList([], 1_000);

    expect(forgotten.map((machine) => machine.id)).toEqual(['a']);
    expect(view.machines().map((machine) => machine.id)).toEqual(['new']);
  });
});
