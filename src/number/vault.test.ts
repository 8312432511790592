import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createTestStore, dialects, type TestStore } from '../../test/support/stores.ts';
import { keyRingFromSecret } from '../keys/index.ts';
import { migrate } from '../store/index.ts';
import { numberMigrations, validateIndividualNumber } from './index.ts';
import { createNumberVault, type NumberVault } from './vault.ts';

const keys = keyRingFromSecret(Buffer.alloc(32, 7), 'test');
const at = new Date('2026-04-01T00:00:00Z');

for (const { dialect, skip } of await dialects()) {
  describe(`number vault on ${dialect}`, { skip }, () => {
    let t: TestStore;
    let vault: NumberVault;
    before(async () => {
      t = await createTestStore(dialect);
      await migrate(t.store, numberMigrations);
      vault = createNumberVault(keys, t.store.capabilities);
    });
    after(() => t?.dispose());

    it('issues distinct, valid numbers and finds each through the blind index', async () => {
      const ids = Array.from({ length: 2000 }, (_, i) => `resident-${i}`);
      const numbers = await vault.issue(t.store.db, ids, at);
      assert.equal(new Set(numbers).size, ids.length);
      for (const n of numbers) assert.ok(validateIndividualNumber(n).ok, `${n} has a valid check digit`);
      // Not the counter in disguise: consecutive counters land far apart.
      assert.ok(
        numbers.slice(0, 10).some((n, i) => i > 0 && Math.abs(Number(n) - Number(numbers[i - 1])) > 1e6),
      );
      assert.deepEqual(await vault.lookup(t.store.db, numbers[1234]!), {
        residentId: 'resident-1234',
        status: 'active',
      });
      assert.equal(await vault.reveal(t.store.db, 'resident-42'), numbers[42]);
      assert.equal(await vault.lookup(t.store.db, '123456789018'), undefined);
    });

    it('continues the sequence: a later batch never repeats an earlier number', async () => {
      const first = await vault.issue(t.store.db, ['later-1', 'later-2'], at);
      const again = await vault.issue(t.store.db, ['later-3'], at);
      assert.ok(!first.includes(again[0]!));
      assert.equal((await vault.lookup(t.store.db, again[0]!))?.residentId, 'later-3');
    });

    it('reassigns: the old number is retired for good, the person keeps their id', async () => {
      const old = await vault.reveal(t.store.db, 'resident-7');
      const fresh = await vault.reassign(t.store.db, 'resident-7', 'leaked', at);
      assert.notEqual(fresh, old);
      assert.deepEqual(await vault.lookup(t.store.db, old), { residentId: 'resident-7', status: 'retired' });
      assert.deepEqual(await vault.lookup(t.store.db, fresh), { residentId: 'resident-7', status: 'active' });
      assert.equal(await vault.reveal(t.store.db, 'resident-7'), fresh);
      await assert.rejects(vault.reassign(t.store.db, 'nobody', 'x', at), { code: 'NUMBER_NOT_ISSUED' });
    });

    it('a sealed number moved to another resident fails authentication', async () => {
      const tables = t.store.db.withTables<{
        number_vault: { resident_id: string; sealed: Buffer; status: string };
      }>();
      const row = await tables
        .selectFrom('number_vault')
        .select('sealed')
        .where('resident_id', '=', 'resident-1')
        .executeTakeFirstOrThrow();
      await tables
        .updateTable('number_vault')
        .set({ sealed: row.sealed })
        .where('resident_id', '=', 'resident-2')
        .execute();
      await assert.rejects(vault.reveal(t.store.db, 'resident-2'), { code: 'NUMBER_VAULT_INTEGRITY' });
    });

    if (dialect === 'sqlite') {
      it('the database file holds no number in plain text', async () => {
        const numbers = await vault.issue(t.store.db, ['scan-1', 'scan-2', 'scan-3'], at);
        await t.store.close();
        const bytes = readFileSync(t.sqliteFile!).toString('latin1');
        const wal = (() => {
          try {
            return readFileSync(`${t.sqliteFile}-wal`).toString('latin1');
          } catch {
            return '';
          }
        })();
        for (const n of numbers) {
          assert.ok(!bytes.includes(n) && !wal.includes(n), 'number found in the database file');
          assert.ok(!bytes.includes(`${n.slice(0, 4)} ${n.slice(4, 8)}`), 'formatted number found');
        }
      });
    }
  });
}
