import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CHIYODA,
  clerk,
  createTestRegistry,
  MUSASHINO,
  person,
  supervisor,
  type TestRegistry,
} from '../../test/support/registry.ts';
import { dialects } from '../../test/support/stores.ts';
import { listAccessRecords } from '../audit/index.ts';
import { pendingEvents } from '../store/index.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`resident register on ${dialect}`, { skip }, () => {
    let t: TestRegistry;
    before(async () => {
      t = await createTestRegistry(dialect);
    });
    after(() => t?.dispose());

    it('registers a resident with a number, a resident code and an access record', async () => {
      const outcome = await t.registry.register(person({ localId: 'A-1' }), clerk);
      assert.equal(outcome.kind, 'registered');
      if (outcome.kind !== 'registered') return;
      const r = await t.registry.get(outcome.residentId, clerk);
      assert.equal(r.familyName, '髙橋');
      assert.equal(r.birthDate, '1980-02-29');
      assert.match(r.residentCode, /^\d{11}$/);
      const number = await t.registry.revealNumber(r.id, clerk);
      assert.equal(number.slice(-4), outcome.numberLast4);
      const records = await listAccessRecords(t.store.db, { residentId: r.id, limit: 10 });
      assert.deepEqual(
        records.map((a) => [a.action, a.actorId, a.purpose]),
        [
          ['create', 'staff-clerk', 'counter-service'],
          ['read', 'staff-clerk', 'counter-service'],
          ['reveal-number', 'staff-clerk', 'counter-service'],
        ],
      );
      assert.ok(records[2]!.items.includes('number'));
      assert.ok(!records[1]!.items.includes('number'), 'a plain read does not touch the number');
    });

    it('finds a resident by number and by name variants with the birth date', async () => {
      const outcome = await t.registry.register(
        person({
          familyName: '渡邉',
          givenName: '美咲',
          familyNameKana: 'ワタナベ',
          givenNameKana: 'ミサキ',
          sex: 'female',
          birthDate: '1991-07-07',
        }),
        clerk,
      );
      assert.equal(outcome.kind, 'registered');
      const id = outcome.kind === 'registered' ? outcome.residentId : '';
      const number = await t.registry.revealNumber(id, clerk);
      const spaced = `${number.slice(0, 4)} ${number.slice(4, 8)}-${number.slice(8)}`;
      assert.deepEqual(
        (await t.registry.search({ number: spaced }, clerk)).residents.map((r) => r.id),
        [id],
      );
      for (const name of ['渡辺 美咲', '渡邊美咲', '渡邉　美咲']) {
        const found = await t.registry.search({ name, birthDate: '平成3年7月7日' }, clerk);
        assert.deepEqual(
          found.residents.map((r) => r.id),
          [id],
          name,
        );
      }
      assert.deepEqual(
        (await t.registry.search({ kana: 'わたなべ みさき', birthDate: '1991-07-07' }, clerk)).residents.map(
          (r) => r.id,
        ),
        [id],
      );
      assert.equal(
        (await t.registry.search({ name: '渡辺美咲', birthDate: '1991-07-08' }, clerk)).residents.length,
        0,
      );
      await assert.rejects(t.registry.search({ number: '123456789012' }, clerk), {
        code: 'REGISTRY_INVALID_SEARCH',
      });
    });

    it('holds a likely duplicate for review instead of registering it, and a supervisor decides', async () => {
      const first = await t.registry.register(
        person({
          familyName: '齋藤',
          givenName: '健',
          familyNameKana: 'サイトウ',
          givenNameKana: 'ケン',
          birthDate: '1975-05-05',
        }),
        clerk,
      );
      assert.equal(first.kind, 'registered');
      // Same person written with other variants and notation.
      const again = await t.registry.register(
        person({
          familyName: '斎藤',
          givenName: '健',
          familyNameKana: 'ｻｲﾄｳ',
          givenNameKana: 'ｹﾝ',
          birthDate: 'S50.5.5',
          address: '東京都千代田区霞ヶ関一丁目2-3',
        }),
        clerk,
      );
      assert.equal(again.kind, 'review');
      if (again.kind !== 'review' || first.kind !== 'registered') return;
      assert.deepEqual(again.candidateIds, [first.residentId]);
      const before = await t.registry.count();
      const pending = await t.registry.reviews.list('pending', 10);
      assert.ok(pending.some((r) => r.id === again.reviewId));
      const rejected = await t.registry.reviews.decide(again.reviewId, 'reject', 'same person', supervisor);
      assert.deepEqual(rejected, { status: 'rejected', residentId: null });
      assert.deepEqual(await t.registry.count(), before);
      await assert.rejects(t.registry.reviews.decide(again.reviewId, 'register', '', supervisor), {
        code: 'REGISTRY_REVIEW_DECIDED',
      });

      // A namesake with the same birthday elsewhere: a supervisor registers them.
      const namesake = await t.registry.register(
        person({
          familyName: '齋藤',
          givenName: '健',
          familyNameKana: 'サイトウ',
          givenNameKana: 'ケン',
          birthDate: '1975-05-05',
          address: '東京都武蔵野市中町1-1-1',
          municipalityCode: MUSASHINO,
        }),
        clerk,
      );
      assert.equal(namesake.kind, 'review');
      if (namesake.kind !== 'review') return;
      const decided = await t.registry.reviews.decide(
        namesake.reviewId,
        'register',
        'different person (checked 住民票)',
        supervisor,
      );
      assert.equal(decided.status, 'approved');
      assert.ok(decided.residentId);
      assert.equal((await t.registry.get(decided.residentId, supervisor)).municipalityCode, MUSASHINO);
    });

    it('rejects invalid residents with every problem named, and writes nothing', async () => {
      const before = await t.registry.count();
      await assert.rejects(
        t.registry.register(
          person({
            familyName: '  ',
            birthDate: '2023-02-30',
            municipalityCode: '999999',
            sex: 'x',
            familyNameKana: 'Takahashi',
          }),
          clerk,
        ),
        (error: { code: string; details: { at?: string; code: string }[] }) => {
          assert.equal(error.code, 'REGISTRY_INVALID_RESIDENT');
          const codes = Object.fromEntries(error.details.map((d) => [d.at, d.code]));
          assert.equal(codes['familyName'], 'NAME_EMPTY');
          assert.equal(codes['birthDate'], 'DATE_IMPOSSIBLE');
          assert.equal(codes['municipalityCode'], 'MUNICIPALITY_CODE_INVALID');
          assert.equal(codes['sex'], 'SEX_INVALID');
          assert.equal(codes['familyNameKana'], 'KANA_INVALID');
          return true;
        },
      );
      await assert.rejects(
        t.registry.register(person({ municipalityCode: '011002', birthDate: '2027-01-01' }), clerk),
        (e: { details: { code: string }[] }) => e.details.some((d) => d.code === 'DATE_IN_FUTURE'),
      );
      await assert.rejects(
        t.registry.register(person({ municipalityCode: '012025' }), clerk),
        (e: { details: { code: string }[] }) =>
          e.details.some((d) => d.code === 'REGISTRY_UNKNOWN_MUNICIPALITY'),
      );
      assert.deepEqual(await t.registry.count(), before);
    });

    it('refuses a second resident with the same 宛名番号 in a municipality', async () => {
      await assert.rejects(
        t.registry.register(
          person({ localId: 'A-1', familyName: '別人', givenName: '花子', birthDate: '2001-01-01' }),
          clerk,
        ),
        {
          code: 'REGISTRY_LOCAL_ID_TAKEN',
        },
      );
    });

    it('records life events with full history and announces them through the outbox', async () => {
      const o = await t.registry.register(
        person({
          familyName: '山﨑',
          givenName: '花子',
          familyNameKana: 'ヤマザキ',
          givenNameKana: 'ハナコ',
          sex: 'female',
          birthDate: '1960-10-10',
        }),
        clerk,
      );
      assert.equal(o.kind, 'registered');
      const id = o.kind === 'registered' ? o.residentId : '';
      const moved = await t.registry.recordEvent(
        id,
        {
          kind: 'move',
          effectiveDate: '2026-03-01',
          changes: {
            address: '東京都武蔵野市吉祥寺本町1-2-3',
            municipalityCode: MUSASHINO,
            postalCode: '1800004',
          },
        },
        clerk,
      );
      assert.equal(moved.municipalityCode, MUSASHINO);
      assert.equal(moved.version, 2);
      const renamed = await t.registry.recordEvent(
        id,
        {
          kind: 'name-change',
          effectiveDate: '2026-03-15',
          changes: { familyName: '佐藤', familyNameKana: 'サトウ' },
        },
        clerk,
      );
      assert.equal(renamed.familyName, '佐藤');
      assert.deepEqual(
        (await t.registry.search({ name: '佐藤花子', birthDate: '1960-10-10' }, clerk)).residents.map(
          (r) => r.id,
        ),
        [id],
      );
      await assert.rejects(
        t.registry.recordEvent(
          id,
          { kind: 'correction', effectiveDate: '2026-03-16', changes: { sex: 'male' } },
          supervisor,
        ),
        {
          code: 'REGISTRY_INVALID_EVENT',
        },
      );
      await t.registry.recordEvent(
        id,
        {
          kind: 'correction',
          effectiveDate: '2026-03-16',
          reason: '入力誤り',
          changes: { givenNameKana: 'ハナ' },
        },
        supervisor,
      );
      const dead = await t.registry.recordEvent(id, { kind: 'death', effectiveDate: '2026-03-20' }, clerk);
      assert.equal(dead.status, 'deceased');
      await assert.rejects(
        t.registry.recordEvent(
          id,
          { kind: 'move', effectiveDate: '2026-03-21', changes: { address: '東京都千代田区1-1' } },
          clerk,
        ),
        {
          code: 'REGISTRY_RESIDENT_DECEASED',
        },
      );
      await assert.rejects(t.registry.reassignNumber(id, 'leak', supervisor), {
        code: 'REGISTRY_RESIDENT_DECEASED',
      });

      const history = await t.registry.history(id, clerk);
      assert.deepEqual(
        history.map((e) => e.kind),
        ['registration', 'move', 'name-change', 'correction', 'death'],
      );
      assert.deepEqual(history[1]!.changes['municipalityCode'], { before: CHIYODA, after: MUSASHINO });
      assert.deepEqual(history[2]!.changes['familyName'], { before: '山﨑', after: '佐藤' });
      assert.equal(history[3]!.reason, '入力誤り');

      const topics = (await pendingEvents(t.store.db))
        .filter((e) => e.payload['residentId'] === id)
        .map((e) => e.topic);
      assert.deepEqual(topics, [
        'resident.basic-items-changed',
        'resident.moved-municipality',
        'resident.basic-items-changed',
        'resident.died',
      ]);
      for (const e of await pendingEvents(t.store.db)) {
        const text = JSON.stringify(e.payload);
        assert.ok(!text.includes('佐藤') && !text.includes('武蔵野'), 'outbox payloads carry ids only');
      }
    });

    it('rejects impossible events and changes nothing', async () => {
      const o = await t.registry.register(
        person({
          familyName: '鈴木',
          givenName: '一',
          familyNameKana: 'スズキ',
          givenNameKana: 'ハジメ',
          birthDate: '2000-01-01',
        }),
        clerk,
      );
      const id = o.kind === 'registered' ? o.residentId : '';
      const cases = [
        { kind: 'move' as const, effectiveDate: '2026-02-30', changes: { address: '東京都千代田区1-1' } },
        { kind: 'move' as const, effectiveDate: '1999-12-31', changes: { address: '東京都千代田区1-1' } },
        { kind: 'move' as const, effectiveDate: '2030-01-01', changes: { address: '東京都千代田区1-1' } },
        { kind: 'move' as const, effectiveDate: '2026-01-01', changes: { familyName: '田中' } },
        { kind: 'name-change' as const, effectiveDate: '2026-01-01', changes: { familyName: '' } },
        { kind: 'name-change' as const, effectiveDate: '2026-01-01', changes: { familyName: '鈴木' } },
      ];
      for (const c of cases) {
        await assert.rejects(
          t.registry.recordEvent(id, c, clerk),
          { code: 'REGISTRY_INVALID_EVENT' },
          JSON.stringify(c),
        );
      }
      assert.equal((await t.registry.get(id, clerk)).version, 1);
      await assert.rejects(
        t.registry.recordEvent(
          id,
          {
            kind: 'move',
            effectiveDate: '2026-01-01',
            changes: { address: '東京都千代田区2-2' },
            expectedVersion: 5,
          },
          clerk,
        ),
        {
          code: 'REGISTRY_VERSION_CONFLICT',
        },
      );
      await assert.rejects(t.registry.get('0190d5f0-0000-7000-8000-000000000000', clerk), {
        code: 'REGISTRY_RESIDENT_NOT_FOUND',
      });
    });

    it('writes a registration whole or not at all: a failing access record undoes it', async () => {
      const before = await t.registry.count();
      await t.store.db.schema.alterTable('access_record').renameTo('access_record_away').execute();
      try {
        await assert.rejects(
          t.registry.register(
            person({ familyName: '全', givenName: '無', birthDate: '1999-09-09', localId: 'ATOMIC-1' }),
            clerk,
          ),
        );
        await assert.rejects(
          t.registry.import(
            Buffer.from(
              'local_id,municipality_code,family_name,birth_date,sex,address\nATOMIC-2,131016,全,1999-09-10,1,東京都千代田区1\n',
            ),
            { actor: clerk },
          ),
        );
      } finally {
        await t.store.db.schema.alterTable('access_record_away').renameTo('access_record').execute();
      }
      assert.deepEqual(await t.registry.count(), before);
      assert.equal((await t.registry.idsByLocalId(CHIYODA, ['ATOMIC-1', 'ATOMIC-2'])).size, 0);
      const vault = t.store.db.withTables<{ number_vault: { id: string; status: string } }>();
      const sealed = await vault
        .selectFrom('number_vault')
        .where('status', '=', 'active')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const residents = await t.store.db
        .withTables<{ resident: { id: string } }>()
        .selectFrom('resident')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(sealed.n), Number(residents.n), 'no number without its resident');
    });

    it('reassigns a leaked number: the old one finds nobody, history keeps the event', async () => {
      const o = await t.registry.register(
        person({
          familyName: '田中',
          givenName: '実',
          familyNameKana: 'タナカ',
          givenNameKana: 'ミノル',
          birthDate: '1955-03-03',
        }),
        clerk,
      );
      const id = o.kind === 'registered' ? o.residentId : '';
      const old = await t.registry.revealNumber(id, clerk);
      const { numberLast4 } = await t.registry.reassignNumber(
        id,
        '漏えい (leak reported 2026-03-30)',
        supervisor,
      );
      const fresh = await t.registry.revealNumber(id, clerk);
      assert.notEqual(fresh, old);
      assert.equal(fresh.slice(-4), numberLast4);
      const byOld = await t.registry.search({ number: old }, clerk);
      assert.deepEqual(byOld, { residents: [], retiredNumber: true });
      assert.deepEqual(
        (await t.registry.search({ number: fresh }, clerk)).residents.map((r) => r.id),
        [id],
      );
      assert.equal((await t.registry.history(id, clerk)).at(-1)?.kind, 'number-reassignment');
    });
  });
}
