import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Actor } from '../src/core/index.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { clerk, person } from './support/registry.ts';
import { dialects } from './support/stores.ts';

/**
 * Enrolment linking (issue 5): an insurer's enrolment links to a resident only on an
 * exact, unique match of the four basic items; anything weaker waits for a supervisor;
 * a number that is not the person's is refused; the insurer holds only its pseudonym.
 */
const INSURER = '01130012';
const OTHER_INSURER = '06130017'; // 法別 06 (組合健保), Tokyo, check digit 7

type Body = Record<string, unknown>;
const enrolment = (overrides: Body = {}): Body => ({
  symbol: '1234',
  number: '5678',
  branch: '00',
  relation: 'self',
  cardClassification: '01',
  copayRatio: 30,
  qualificationDate: '2026-04-01',
  highCostCategory: 'A03',
  familyName: '鈴木',
  givenName: '健',
  familyNameKana: 'スズキ',
  givenNameKana: 'ケン',
  birthDate: '1985-07-07',
  sex: 'male',
  address: '東京都千代田区霞が関1丁目2番3号',
  ...overrides,
});

const SUPERVISOR_PURPOSE = 'insurance-link-review';

for (const { dialect, skip } of await dialects()) {
  describe(`insurance enrolment (${dialect})`, { skip }, () => {
    let t: TestApp;
    const ids: Record<string, string> = {};
    const numbers: Record<string, string> = {};
    let otherOfficer = '';
    const officer = () => staffHeaders(t.tokens['insurer-officer'], 'insurance-enrolment');
    const submit = (body: Body, headers = officer(), insurer = INSURER) =>
      t.app.inject({ method: 'POST', url: `/v1/insurers/${insurer}/enrolments`, headers, payload: body });
    const count = async (table: string): Promise<number> => {
      const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
        t.system.store.db,
      );
      return Number(r.rows[0]?.n ?? 0);
    };
    const snapshot = async () => ({
      enrolment: await count('enrolment'),
      review: await count('link_review'),
      link: await count('network_link'),
      access: await count('access_record'),
    });
    const register = async (key: string, overrides: Record<string, string>) => {
      const out = await t.system.registry.register(person(overrides), clerk);
      assert.equal(out.kind, 'registered', key);
      ids[key] = out.kind === 'registered' ? out.residentId : '';
      numbers[key] = await t.system.registry.revealNumber(ids[key]!, clerk);
    };

    before(async () => {
      t = await createTestApp(dialect);
      const op = staffHeaders(t.tokens.operator);
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/insurers',
        headers: op,
        payload: { institutionId: t.institutions.insurer.id, kind: 'employee' },
      });
      assert.equal(r.statusCode, 201, r.body);
      const other = await t.system.institutions.create({
        kind: 'insurer',
        code: OTHER_INSURER,
        name: '健保組合',
      });
      const r2 = await t.app.inject({
        method: 'POST',
        url: '/v1/insurers',
        headers: op,
        payload: { institutionId: other.id },
      });
      assert.equal(r2.statusCode, 201, r2.body);
      otherOfficer = (await t.system.staff.issue('other officer', 'insurer-officer', other.id)).token;

      const addr = '東京都千代田区霞が関1丁目2番3号';
      await register('suzuki', {
        familyName: '鈴木',
        givenName: '健',
        familyNameKana: 'スズキ',
        givenNameKana: 'ケン',
        birthDate: '1985-07-07',
        sex: 'male',
        address: addr,
      });
      await register('sato', {
        familyName: '佐藤',
        givenName: '花子',
        familyNameKana: 'サトウ',
        givenNameKana: 'ハナコ',
        birthDate: '1975-03-03',
        sex: 'female',
        address: '東京都千代田区丸の内1丁目1番1号',
      });
      await register('takahashi', {
        familyName: '髙橋',
        givenName: '一郎',
        familyNameKana: 'タカハシ',
        givenNameKana: 'イチロウ',
        birthDate: '1980-02-29',
        sex: 'male',
        address: '東京都千代田区神田1丁目1番1号',
      });
      await register('yamadaIchiro', {
        familyName: '山田',
        givenName: '一郎',
        familyNameKana: 'ヤマダ',
        givenNameKana: 'イチロウ',
        birthDate: '1990-01-01',
        sex: 'male',
        address: '東京都千代田区永田町1丁目7番1号',
        householdId: 'H-YAMADA',
        relationship: '子',
      });
      await register('yamadaJiro', {
        familyName: '山田',
        givenName: '二郎',
        familyNameKana: 'ヤマダ',
        givenNameKana: 'ジロウ',
        birthDate: '1990-01-01',
        sex: 'male',
        address: '東京都千代田区永田町1丁目7番1号',
        householdId: 'H-YAMADA',
        relationship: '子',
      });
      await register('nobody', {
        familyName: '伊藤',
        givenName: '誠',
        birthDate: '1960-10-10',
        sex: 'male',
        address: '東京都千代田区麹町1丁目1番1号',
      });
    });
    after(() => t?.dispose());

    it('registers insurers with the kind their number implies, and refuses a wrong kind', async () => {
      const inst = await t.system.institutions.create({
        kind: 'insurer',
        code: '33120015',
        name: '警察共済',
      });
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/insurers',
        headers: staffHeaders(t.tokens.operator),
        payload: { institutionId: inst.id, kind: 'late-elderly' },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'INSURANCE_INSURER_KIND_MISMATCH');
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/insurers',
        headers: staffHeaders(t.tokens.operator),
        payload: { institutionId: t.institutions.insurer.id },
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'INSURANCE_INSURER_EXISTS');
      const notInsurer = await t.app.inject({
        method: 'POST',
        url: '/v1/insurers',
        headers: staffHeaders(t.tokens.operator),
        payload: { institutionId: t.institutions.clinic.id },
      });
      assert.equal(notInsurer.json().code, 'INSURANCE_NOT_AN_INSURER_INSTITUTION');
    });

    it('links on an exact four-item match (kanji variants, widths and address forms folded)', async () => {
      const before = await snapshot();
      const r = await submit(enrolment({ address: '東京都千代田区霞ヶ関１－２－３' }));
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().outcome, 'linked');
      assert.ok(r.json().reasons.includes('four-items'));
      ids.suzukiEnrolment = r.json().enrolmentId;
      const after = await snapshot();
      assert.equal(after.enrolment, before.enrolment + 1);
      assert.equal(after.link, before.link + 1);
      assert.equal(after.access, before.access + 1, 'one access record: for the resident linked');
      const records = await t.system.registry.accessRecords({ residentId: ids.suzuki!, limit: 100 });
      const last = records.at(-1)!;
      assert.equal(last.actorRole, 'insurer-officer');
      assert.deepEqual(last.items, ['name', 'kana', 'birth-date', 'sex', 'address']);
      const got = await t.app.inject({
        method: 'GET',
        url: `/v1/insurers/${INSURER}/enrolments/${ids.suzukiEnrolment}`,
        headers: officer(),
      });
      assert.equal(got.json().linkStatus, 'linked');
      assert.equal(got.json().linkedBy, 'rule');
      assert.equal(got.json().familyName, undefined, 'no personal items in the insurer view');
    });

    it('name and birth date only (another address) → review, never linked', async () => {
      const before = await snapshot();
      const r = await submit(
        enrolment({
          symbol: 'S2',
          familyName: '佐藤',
          givenName: '花子',
          familyNameKana: 'サトウ',
          givenNameKana: 'ハナコ',
          birthDate: '1975-03-03',
          sex: 'female',
          address: '大阪府大阪市北区梅田1丁目1番1号',
        }),
      );
      assert.equal(r.statusCode, 202, r.body);
      assert.equal(r.json().outcome, 'review');
      assert.ok(r.json().reasons.includes('address-differs'));
      ids.satoReview = r.json().reviewId;
      ids.satoReviewEnrolment = r.json().enrolmentId;
      const after = await snapshot();
      assert.equal(after.link, before.link, 'no pseudonym handed out');
      assert.equal(after.access, before.access, 'nothing of anyone was kept or shown yet');
      const e = await t.system.insurance.enrolments.get(INSURER, ids.satoReviewEnrolment!, {
        id: 'x',
        role: 'insurer-officer',
        purpose: 'p',
        institutionId: t.institutions.insurer.id,
      });
      assert.equal(e.linkStatus, 'review');
      assert.equal(
        (await t.system.insurance.eligibility(ids.sato!, new Date('2026-04-02'))).validity,
        'none',
      );
    });

    it('another person of the same household → review', async () => {
      const r = await submit(
        enrolment({
          symbol: 'S3',
          familyName: '山田',
          givenName: '三郎',
          familyNameKana: 'ヤマダ',
          givenNameKana: 'サブロウ',
          birthDate: '1990-01-01',
          sex: 'male',
          address: '東京都千代田区永田町1丁目7番1号',
        }),
      );
      assert.equal(r.statusCode, 202, r.body);
      assert.ok(r.json().reasons.includes('same-household-other-person'), r.body);
      ids.yamadaReview = r.json().reviewId;
    });

    it('a kanji variant at another address → review', async () => {
      const r = await submit(
        enrolment({
          symbol: 'S4',
          familyName: '高橋',
          givenName: '一郎',
          familyNameKana: 'タカハシ',
          givenNameKana: 'イチロウ',
          birthDate: '1980-02-29',
          sex: 'male',
          address: '神奈川県横浜市中区本町1丁目1番地',
        }),
      );
      assert.equal(r.statusCode, 202, r.body);
      assert.ok(r.json().reasons.includes('address-differs'));
      ids.takahashiReview = r.json().reviewId;
    });

    it("refuses a number that is not the person's, writing nothing", async () => {
      const before = await snapshot();
      const r = await submit(enrolment({ symbol: 'S5', individualNumber: numbers.sato }));
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'INSURANCE_NUMBER_MISMATCH');
      const unknown = await submit(enrolment({ symbol: 'S5', individualNumber: '123456789018' }));
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.ok(['INSURANCE_NUMBER_MISMATCH', 'INSURANCE_INVALID_ENROLMENT'].includes(unknown.json().code));
      assert.deepEqual(await snapshot(), before);
      assert.ok(!r.body.includes(numbers.sato!), 'the number is not echoed');
    });

    it('a number that is the person’s links only with all four items equal', async () => {
      const r = await submit(
        enrolment({
          symbol: 'S6',
          familyName: '佐藤',
          givenName: '花子',
          familyNameKana: 'サトウ',
          givenNameKana: 'ハナコ',
          birthDate: '1975-03-03',
          sex: 'female',
          address: '東京都千代田区丸の内1丁目1番1号',
          individualNumber: numbers.sato,
        }),
      );
      assert.equal(r.statusCode, 201, r.body);
      ids.satoEnrolment = r.json().enrolmentId;
      const last = (await t.system.registry.accessRecords({ residentId: ids.sato!, limit: 100 })).at(-1)!;
      assert.ok(last.items.includes('number'), 'the resident sees that their number was used');
      // Their number with a moved address: review, not a link.
      const moved = await submit(
        enrolment({
          symbol: 'S7',
          familyName: '佐藤',
          givenName: '花子',
          birthDate: '1975-03-03',
          sex: 'female',
          address: '大阪府大阪市北区梅田1丁目1番1号',
          individualNumber: numbers.sato,
        }),
      );
      assert.equal(moved.statusCode, 202, moved.body);
    });

    it('nobody in the register → a clear error, nothing written', async () => {
      const before = await snapshot();
      const r = await submit(
        enrolment({ symbol: 'S8', familyName: '存在', givenName: 'しない', birthDate: '1999-09-09' }),
      );
      assert.equal(r.statusCode, 404, r.body);
      assert.equal(r.json().code, 'INSURANCE_NO_REGISTER_MATCH');
      assert.deepEqual(await snapshot(), before);
    });

    it('a duplicate enrolment in force → 409, nothing written', async () => {
      const before = await snapshot();
      const r = await submit(enrolment({ address: '東京都千代田区霞が関1丁目2番3号' }));
      assert.equal(r.statusCode, 409, r.body);
      assert.equal(r.json().code, 'INSURANCE_DUPLICATE_ENROLMENT');
      assert.deepEqual(await snapshot(), before);
    });

    it('two identical enrolments at once: one links, the other is a duplicate', async () => {
      await register('kobayashi', {
        familyName: '小林',
        givenName: '進',
        birthDate: '1955-05-15',
        sex: 'male',
        address: '東京都千代田区九段南1丁目2番1号',
      });
      const body = enrolment({
        symbol: 'R1',
        familyName: '小林',
        givenName: '進',
        familyNameKana: null,
        givenNameKana: null,
        birthDate: '1955-05-15',
        address: '東京都千代田区九段南1丁目2番1号',
      });
      const codes = (await Promise.all([submit(body), submit(body)])).map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [201, 409]);
    });

    it("another insurer's officer → 403; bad insurer numbers → 400/404", async () => {
      const r = await submit(enrolment({ symbol: 'S9' }), staffHeaders(otherOfficer, 'insurance-enrolment'));
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.json().code, 'INSURANCE_NOT_YOUR_INSURER');
      const list = await t.app.inject({
        method: 'GET',
        url: `/v1/insurers/${INSURER}/enrolments`,
        headers: staffHeaders(otherOfficer),
      });
      assert.equal(list.statusCode, 403);
      const bad = await submit(enrolment(), officer(), '01130013');
      assert.equal(bad.json().code, 'INSURANCE_INVALID_INSURER_NUMBER');
      const unknown = await submit(enrolment(), officer(), '33120015');
      assert.equal(unknown.statusCode, 404);
      const clerkTry = await submit(enrolment(), staffHeaders(t.tokens.clerk));
      assert.equal(clerkTry.statusCode, 403);
    });

    it('rejects bad items with INSURANCE_INVALID_ENROLMENT and every problem listed', async () => {
      const r = await submit(
        enrolment({
          branch: '1',
          copayRatio: 25,
          highCostCategory: 'C01',
          birthDate: '1985-02-30',
          sex: 'x',
        }),
      );
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, 'INSURANCE_INVALID_ENROLMENT');
      const at = (r.json().details as { at: string }[]).map((d) => d.at).sort();
      assert.deepEqual(at, ['birthDate', 'branch', 'copayRatio', 'highCostCategory', 'sex']);
      const dep = await submit(enrolment({ symbol: 'D1', relation: 'dependant' }));
      assert.equal(dep.json().code, 'INSURANCE_INVALID_ENROLMENT');
    });

    it('a supervisor sees the evidence side by side (recorded) and decides', async () => {
      const sup = staffHeaders(t.tokens.supervisor, SUPERVISOR_PURPOSE);
      const before = (await t.system.registry.accessRecords({ residentId: ids.takahashi!, limit: 100 }))
        .length;
      const list = await t.app.inject({ method: 'GET', url: '/v1/insurance/link-reviews', headers: sup });
      assert.equal(list.statusCode, 200, list.body);
      const reviews = list.json().reviews as {
        id: string;
        record: { familyName: string };
        candidates: { key: string; register: { familyName: string } | null; matched: { address: boolean } }[];
      }[];
      const tk = reviews.find((r) => r.id === ids.takahashiReview)!;
      assert.equal(tk.record.familyName, '高橋');
      assert.equal(tk.candidates.length, 1);
      assert.equal(tk.candidates[0]!.register?.familyName, '髙橋');
      assert.equal(tk.candidates[0]!.matched.address, false);
      const shown = await t.system.registry.accessRecords({ residentId: ids.takahashi!, limit: 100 });
      assert.equal(shown.length, before + 1);
      assert.equal(shown.at(-1)!.actorRole, 'supervisor');

      const noPurpose = await t.app.inject({
        method: 'GET',
        url: '/v1/insurance/link-reviews',
        headers: { authorization: `Bearer ${t.tokens.supervisor}` },
      });
      assert.equal(noPurpose.statusCode, 400);

      const wrongKey = await t.app.inject({
        method: 'POST',
        url: `/v1/insurance/link-reviews/${tk.id}/decision`,
        headers: sup,
        payload: { decision: 'link', candidateKey: 'not-a-candidate', reason: 'checked' },
      });
      assert.equal(wrongKey.json().code, 'INSURANCE_INVALID_DECISION');
      const decided = await t.app.inject({
        method: 'POST',
        url: `/v1/insurance/link-reviews/${tk.id}/decision`,
        headers: sup,
        payload: {
          decision: 'link',
          candidateKey: tk.candidates[0]!.key,
          reason: 'moved; confirmed with the card',
        },
      });
      assert.equal(decided.statusCode, 200, decided.body);
      assert.equal(decided.json().status, 'linked');
      const twice = await t.app.inject({
        method: 'POST',
        url: `/v1/insurance/link-reviews/${tk.id}/decision`,
        headers: sup,
        payload: { decision: 'reject', reason: 'again' },
      });
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().code, 'INSURANCE_REVIEW_DECIDED');
      assert.equal(
        (await t.system.insurance.eligibility(ids.takahashi!, new Date('2026-04-02T00:00:00Z'))).validity,
        'valid',
      );

      const rejected = await t.app.inject({
        method: 'POST',
        url: `/v1/insurance/link-reviews/${ids.yamadaReview}/decision`,
        headers: sup,
        payload: { decision: 'reject', reason: 'not in this household per the register' },
      });
      assert.equal(rejected.json().status, 'rejected');
      for (const who of ['yamadaIchiro', 'yamadaJiro'])
        assert.equal(
          (await t.system.insurance.eligibility(ids[who]!, new Date('2026-04-02'))).validity,
          'none',
        );
      const officerTry = await t.app.inject({
        method: 'GET',
        url: '/v1/insurance/link-reviews',
        headers: officer(),
      });
      assert.equal(officerTry.statusCode, 403);
    });

    it('enrols a dependant under the insured person, with the relation', async () => {
      await register('suzukiSpouse', {
        familyName: '鈴木',
        givenName: '春子',
        familyNameKana: 'スズキ',
        givenNameKana: 'ハルコ',
        birthDate: '1987-04-04',
        sex: 'female',
        address: '東京都千代田区霞が関1丁目2番3号',
        householdId: 'H-SUZUKI',
        relationship: '妻',
      });
      const spouse = {
        branch: '01',
        relation: 'dependant',
        insuredPersonRelation: '妻',
        familyName: '鈴木',
        givenName: '春子',
        familyNameKana: 'スズキ',
        givenNameKana: 'ハルコ',
        birthDate: '1987-04-04',
        sex: 'female',
      };
      const missing = await submit(
        enrolment({ ...spouse, branch: '02', insuredEnrolmentId: '01900000-0000-7000-8000-000000000000' }),
      );
      assert.equal(missing.json().code, 'INSURANCE_INSURED_NOT_FOUND');
      const r = await submit(enrolment({ ...spouse, insuredEnrolmentId: ids.suzukiEnrolment }));
      assert.equal(r.statusCode, 201, r.body);
      const e = await t.system.insurance.eligibility(ids.suzukiSpouse!, new Date('2026-04-02T00:00:00Z'));
      assert.equal(e.validity, 'valid');
      assert.equal(e.qualifications[0]!.relation, 'dependant');
      assert.equal(e.qualifications[0]!.insuredPersonRelation, '妻');
    });

    it('a failing access record undoes the link: nothing is written', async () => {
      const db = t.system.store.db;
      await register('kato', {
        familyName: '加藤',
        givenName: '誠',
        birthDate: '1966-06-06',
        sex: 'male',
        address: '東京都千代田区一番町1番地',
      });
      if (dialect === 'sqlite')
        await sql`create trigger deny_access before insert on access_record begin select raise(abort, 'denied'); end`.execute(
          db,
        );
      else {
        await sql`create function deny_access() returns trigger language plpgsql as $$ begin raise exception 'denied'; end $$`.execute(
          db,
        );
        await sql`create trigger deny_access before insert on access_record for each row execute function deny_access()`.execute(
          db,
        );
      }
      const before = await snapshot();
      const r = await submit(
        enrolment({
          symbol: 'K9',
          familyName: '加藤',
          givenName: '誠',
          familyNameKana: null,
          givenNameKana: null,
          birthDate: '1966-06-06',
          address: '東京都千代田区一番町1番地',
        }),
      );
      assert.equal(r.statusCode, 500);
      assert.equal(r.json().code, 'INTERNAL');
      if (dialect === 'sqlite') await sql`drop trigger deny_access`.execute(db);
      else await sql`drop trigger deny_access on access_record`.execute(db);
      assert.deepEqual(await snapshot(), before);
    });

    it('eligibility: valid, invalid (ended), superseded, none, multiple', async () => {
      const officerActor: Actor = {
        id: 'officer',
        role: 'insurer-officer',
        purpose: 'insurance-enrolment',
        institutionId: t.institutions.insurer.id,
      };
      const at = (d: string) => new Date(`${d}T03:00:00Z`);
      const suzuki = await t.system.insurance.eligibility(ids.suzuki!, at('2026-04-01'));
      assert.equal(suzuki.validity, 'valid');
      assert.deepEqual(
        { ...suzuki.qualifications[0], insurerName: undefined },
        {
          insurerNumber: INSURER,
          insurerName: undefined,
          cardClassification: '01',
          symbol: '1234',
          number: '5678',
          branch: '00',
          relation: 'self',
          insuredPersonRelation: null,
          copayRatio: 30,
          qualificationDate: '2026-04-01',
          validUntil: null,
          endedAt: null,
          endReason: null,
          highCostCategory: 'A03',
        },
      );
      assert.equal(
        (await t.system.insurance.eligibility(ids.suzuki!, at('2026-03-31'))).validity,
        'invalid',
        'not yet begun',
      );

      const ended = await t.app.inject({
        method: 'POST',
        url: `/v1/insurers/${INSURER}/enrolments/${ids.suzukiEnrolment}/end`,
        headers: officer(),
        payload: { date: '2026-05-01', reason: '退職' },
      });
      assert.equal(ended.statusCode, 200, ended.body);
      assert.equal(ended.json().endedAt, '2026-05-01');
      const endedAgain = await t.app.inject({
        method: 'POST',
        url: `/v1/insurers/${INSURER}/enrolments/${ids.suzukiEnrolment}/end`,
        headers: officer(),
        payload: { date: '2026-05-01', reason: '退職' },
      });
      assert.equal(endedAgain.json().code, 'INSURANCE_ENROLMENT_ENDED');
      const invalid = await t.system.insurance.eligibility(ids.suzuki!, at('2026-05-02'));
      assert.equal(invalid.validity, 'invalid');
      assert.equal(invalid.qualifications[0]!.endReason, '退職');

      // A newer qualification, starting later: before it starts, the old one is superseded.
      const newer = await t.system.insurance.enrolments.submit(
        INSURER,
        enrolment({ symbol: '9999', qualificationDate: '2026-07-01' }),
        officerActor,
      );
      assert.equal(newer.outcome, 'linked');
      assert.equal(
        (await t.system.insurance.eligibility(ids.suzuki!, at('2026-06-01'))).validity,
        'superseded',
      );
      const later = await t.system.insurance.eligibility(ids.suzuki!, at('2026-07-01'));
      assert.equal(later.validity, 'valid');
      assert.equal(later.qualifications[0]!.symbol, '9999', 'current first');

      // A newer qualification at the same insurer while the old is in force ends the old one.
      const renewed = await t.system.insurance.enrolments.submit(
        INSURER,
        enrolment({ symbol: '9999', branch: '01', qualificationDate: '2026-09-01' }),
        officerActor,
      );
      assert.equal(renewed.outcome, 'linked');
      const superseded = await t.system.insurance.enrolments.get(INSURER, newer.enrolmentId, officerActor);
      assert.equal(superseded.endReason, 'superseded');
      assert.equal(superseded.supersededBy, renewed.enrolmentId);
      assert.equal((await t.system.insurance.eligibility(ids.suzuki!, at('2026-09-02'))).validity, 'valid');

      assert.equal((await t.system.insurance.eligibility(ids.nobody!, at('2026-04-01'))).validity, 'none');
      // Inside a caller's transaction (a clinic's confirmation writes its record in one).
      const inTrx = await t.system.store.db
        .transaction()
        .execute((trx) => t.system.insurance.eligibility(ids.suzuki!, at('2026-09-02'), trx));
      assert.equal(inTrx.validity, 'valid');

      // Enrolled at a second insurer too (a national health insurance not ended, say): multiple.
      const other = await t.app.inject({
        method: 'POST',
        url: `/v1/insurers/${OTHER_INSURER}/enrolments`,
        headers: staffHeaders(otherOfficer, 'insurance-enrolment'),
        payload: enrolment({
          symbol: 'K1',
          familyName: '佐藤',
          givenName: '花子',
          familyNameKana: 'サトウ',
          givenNameKana: 'ハナコ',
          birthDate: '1975-03-03',
          sex: 'female',
          address: '東京都千代田区丸の内1丁目1番1号',
        }),
      });
      assert.equal(other.statusCode, 201, other.body);
      const multiple = await t.system.insurance.eligibility(ids.sato!, at('2026-04-02'));
      assert.equal(multiple.validity, 'multiple');
      assert.equal(multiple.qualifications.length, 2);
      assert.deepEqual(
        multiple.qualifications.map((q) => q.insurerNumber).sort(),
        [INSURER, OTHER_INSURER].sort(),
      );
    });

    it('the consistency sweep finds a corrupted link and a changed register entry', async () => {
      const clean = await t.system.insurance.auditLinks();
      assert.ok(clean.checked >= 4);
      assert.deepEqual(clean.suspect, []);
      // Corrupt Sato's link at the other insurer so it points to Takahashi.
      const otherInsurer = await t.system.insurance.insurers.get(OTHER_INSURER);
      const wrong = await t.system.network.pseudonymOf(otherInsurer.institutionId, ids.takahashi!);
      await sql`update enrolment set pseudonym = ${wrong} where insurer_number = ${OTHER_INSURER}`.execute(
        t.system.store.db,
      );
      const progress: number[] = [];
      const report = await t.app.inject({
        method: 'POST',
        url: '/v1/insurance/link-audit',
        headers: staffHeaders(t.tokens.auditor),
      });
      assert.equal(report.statusCode, 200, report.body);
      const suspect = report.json().suspect as { insurerNumber: string; reasons: string[] }[];
      assert.equal(suspect.length, 1);
      assert.equal(suspect[0]!.insurerNumber, OTHER_INSURER);
      assert.deepEqual(suspect[0]!.reasons, ['items-changed-since-link']);
      const direct = await t.system.insurance.auditLinks({ onProgress: (d) => progress.push(d) });
      assert.equal(direct.suspect.length, 1);
      assert.equal(progress.at(-1), direct.checked);
    });

    it('privacy: insurance and network tables hold no names, addresses, numbers or resident ids', async () => {
      const rows = async (table: string) =>
        (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.system.store.db))
          .rows;
      const forbidden = [
        ...Object.values(numbers),
        '鈴木',
        '佐藤',
        '髙橋',
        '高橋',
        '山田',
        '花子',
        '霞が関',
        '霞ヶ関',
        '丸の内',
        '永田町',
        '梅田',
        '横浜',
        'スズキ',
        'サトウ',
        '1985-07-07',
        '1975-03-03',
      ];
      const residentIds = Object.entries(ids)
        .filter(([k]) => !/Enrolment|Review$/.test(k))
        .map(([, v]) => v);
      for (const table of ['insurer', 'enrolment', 'link_review']) {
        const text = JSON.stringify(await rows(table));
        for (const f of [...forbidden, ...residentIds]) assert.ok(!text.includes(f), `${table} holds ${f}`);
      }
      // The network's table joins pseudonyms to resident ids, and holds nothing else personal.
      const links = JSON.stringify(await rows('network_link'));
      for (const f of forbidden) assert.ok(!links.includes(f), `network_link holds ${f}`);
      const log = t.log();
      for (const f of forbidden) assert.ok(!log.includes(f), `the log holds ${f}`);
    });

    it('random enrolment bodies over HTTP never give a 500 nor a half-written enrolment', async () => {
      const before = await snapshot();
      const value = fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.constantFrom('self', 'dependant', '01', '00', '2026-04-01', '1985-07-07', 'male', 'A01', '30'),
      );
      const body = fc.oneof(
        fc.dictionary(
          fc.constantFrom(...Object.keys(enrolment()), 'individualNumber', 'insuredEnrolmentId', 'extra'),
          value,
        ),
        fc.record({ ...Object.fromEntries(Object.keys(enrolment()).map((k) => [k, value])) }),
        fc.anything(),
      );
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const r = await submit(b as Body);
          assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body}`);
          if (r.statusCode >= 400) assert.match(r.json().code as string, /^(INSURANCE_|REQUEST_)/, r.body);
        }),
        { numRuns: 150 },
      );
      const after = await snapshot();
      assert.equal(after.link, before.link);
    });
  });
}
