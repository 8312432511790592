import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../src/core/index.ts';
import { keyRingFromSecret } from '../src/keys/index.ts';
import {
  computePseudonym,
  createPseudonyms,
  networkMigrations,
  type Pseudonyms,
} from '../src/network/index.ts';
import { migrate } from '../src/store/index.ts';
import { createTestStore, dialects, type TestStore } from './support/stores.ts';

const keys = keyRingFromSecret(Buffer.alloc(32, 7), 'test');

for (const { dialect, skip } of await dialects()) {
  describe(`network pseudonyms (${dialect})`, { skip }, () => {
    let t: TestStore;
    let net: Pseudonyms;
    before(async () => {
      t = await createTestStore(dialect);
      await migrate(t.store, networkMigrations);
      net = createPseudonyms({ db: t.store.db, keys, clock: fixedClock('2026-04-01T03:00:00Z') });
    });
    after(() => t.dispose());

    it('is the HMAC of the contract, stable, and recorded once', async () => {
      const p = await net.pseudonymOf('inst-a', 'res-1');
      assert.equal(p, computePseudonym(keys.derive('network-pseudonym'), 'inst-a', 'res-1'));
      assert.match(p, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(await net.pseudonymOf('inst-a', 'res-1'), p);
      assert.equal(await net.residentOf('inst-a', p), 'res-1');
      assert.deepEqual(await net.linksOf('res-1'), [{ institutionId: 'inst-a', pseudonym: p }]);
    });

    it('differs per institution and per resident; one institution cannot resolve another’s', async () => {
      const a = await net.pseudonymOf('inst-a', 'res-2');
      const b = await net.pseudonymOf('inst-b', 'res-2');
      const c = await net.pseudonymOf('inst-a', 'res-3');
      assert.notEqual(a, b);
      assert.notEqual(a, c);
      assert.equal(await net.residentOf('inst-b', a), undefined);
      assert.deepEqual(
        (await net.linksOf('res-2')).map((l) => l.institutionId),
        ['inst-a', 'inst-b'],
      );
      // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
      assert.notEqual(net.compute('ab', 'c'), net.compute('a', 'bc'));
    });

    it('runs inside a caller’s transaction, and a rollback forgets the pseudonym', async () => {
      await assert.rejects(
        t.store.db.transaction().execute(async (trx) => {
          await net.pseudonymOf('inst-c', 'res-9', trx);
          assert.equal(await net.linksOf('res-9', trx).then((l) => l.length), 1);
          throw new Error('undo');
        }),
        /undo/,
      );
      assert.deepEqual(await net.linksOf('res-9'), []);
    });

    it('another key gives other pseudonyms', () => {
      const other = createPseudonyms({
        db: t.store.db,
        keys: keyRingFromSecret(Buffer.alloc(32, 8), 'test'),
      });
      assert.notEqual(other.compute('inst-a', 'res-1'), net.compute('inst-a', 'res-1'));
    });
  });
}
