import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestStore, dialects, type TestStore } from '../../test/support/stores.ts';
import {
  appendEvent,
  dispatchOutbox,
  migrate,
  type OutboxEvent,
  outboxMigration,
  pendingEvents,
} from './index.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`outbox on ${dialect}`, { skip }, () => {
    let t: TestStore;
    const now = (): Date => new Date('2026-04-01T00:00:00Z');
    before(async () => {
      t = await createTestStore(dialect);
      await migrate(t.store, [outboxMigration]);
    });
    after(() => t?.dispose());

    it('keeps an event only if its transaction commits', async () => {
      await assert.rejects(
        t.store.db.transaction().execute(async (trx) => {
          await appendEvent(trx, { topic: 'test.rolled-back', payload: { residentId: 'r1' }, at: now() });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await t.store.db
        .transaction()
        .execute((trx) => appendEvent(trx, { topic: 'test.kept', payload: { residentId: 'r2' }, at: now() }));
      const pending = await pendingEvents(t.store.db);
      assert.deepEqual(
        pending.map((e) => [e.topic, e.payload['residentId']]),
        [['test.kept', 'r2']],
      );
    });

    it('delivers each event, and retries one whose handler failed', async () => {
      await appendEvent(t.store.db, { topic: 'test.flaky', payload: { n: 1 }, at: now() });
      const seen: OutboxEvent[] = [];
      let fail = true;
      const handlers = new Map([
        ['test.kept', [async (e: OutboxEvent) => void seen.push(e)]],
        [
          'test.flaky',
          [
            async (e: OutboxEvent) => {
              if (fail) throw new Error('downstream unavailable');
              seen.push(e);
            },
          ],
        ],
      ]);
      const first = await dispatchOutbox(t.store.db, handlers, { now });
      assert.deepEqual(first, { delivered: 1, failed: 1 });
      assert.deepEqual(
        (await pendingEvents(t.store.db)).map((e) => e.topic),
        ['test.flaky'],
      );
      fail = false;
      const second = await dispatchOutbox(t.store.db, handlers, { now });
      assert.deepEqual(second, { delivered: 1, failed: 0 });
      assert.deepEqual(
        seen.map((e) => e.topic),
        ['test.kept', 'test.flaky'],
      );
      assert.equal((await pendingEvents(t.store.db)).length, 0);
    });
  });
}
