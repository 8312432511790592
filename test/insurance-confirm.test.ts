import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { answerChallenge } from '../src/card/index.ts';
import { createCardClient, VirtualChip } from '../src/chip/index.ts';
import type { Actor, fixedClock } from '../src/core/index.ts';
import type { Confirmations } from '../src/insurance/index.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { issueCard, PINS } from './support/cards.ts';
import { dialects } from './support/stores.ts';

/**
 * Online qualification confirmation at clinic reception (issue 5): PIN and visual modes
 * with a virtual card, consent (24 h, per institution), validity codes, refusals, the
 * 資格確認書 QR round trip, the patient's own records, roles, and fuzzed bodies.
 */
const INSURER = '01130012';
const json = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
type Card = Awaited<ReturnType<typeof issueCard>>;
type Answer = {
  validity: string;
  validityCode: string;
  mode: string;
  patient: { name: string; kana: string | null; birthDate: string; sex: string } | null;
  qualifications: {
    insurerNumber: string;
    symbol: string;
    number: string;
    branch: string;
    relation: string;
    insuredPersonRelation: string | null;
    copayRatio: number;
    eligible: boolean;
    endReason: string | null;
    highCostCategory: string | null;
  }[];
  consent: { items: string[]; expiresAt: string } | null;
  items: string[];
};

for (const { dialect, skip } of await dialects()) {
  describe(`qualification confirmation (${dialect})`, { skip }, () => {
    let t: TestApp;
    let officer: Actor;
    const clock = () => t.system.clock as ReturnType<typeof fixedClock>;
    const START = '2026-04-01T03:00:00Z';
    let taro: Card;
    let enrolmentId = '';
    /** The confirmation service the routes use. */
    const confirmations = (): Confirmations => t.system.confirmations;

    const enrol = async (overrides: Record<string, unknown>) => {
      const outcome = await t.system.insurance.enrolments.submit(
        (overrides['insurer'] as string | undefined) ?? INSURER,
        {
          symbol: '記号A',
          number: '1001',
          branch: '00',
          relation: 'self',
          cardClassification: '01',
          copayRatio: 30,
          qualificationDate: '2020-04-01',
          highCostCategory: 'A03',
          familyName: '髙橋',
          givenName: '一郎',
          familyNameKana: 'タカハシ',
          givenNameKana: 'イチロウ',
          birthDate: '1980-02-29',
          sex: 'male',
          address: '東京都千代田区霞が関1丁目2番3号',
          ...overrides,
          insurer: undefined,
        },
        (overrides['actor'] as Actor | undefined) ?? officer,
      );
      assert.equal(outcome.outcome, 'linked', JSON.stringify(outcome));
      return outcome.enrolmentId;
    };

    const challenge = async (token = t.tokens['clinic-receptionist']) => {
      const r = await t.app.inject({ method: 'POST', url: '/v1/clinic/challenge', headers: json(token) });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { challengeId: string; audience: string; message: string };
    };

    const withPin = async (card: Card, extra: Record<string, unknown> = {}, token?: string) => {
      const c = await challenge(token);
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      const a = await answerChallenge(chip, PINS.authentication, Buffer.from(c.message, 'base64'));
      return t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(token ?? t.tokens['clinic-receptionist']),
        payload: {
          mode: 'pin',
          challengeId: c.challengeId,
          certificate: b64(a.certificate),
          signature: b64(a.signature),
          ...extra,
        },
      });
    };

    /** The reader: the certificate (no PIN) and the face photo with collation number B. */
    const readCard = async (card: Card) => {
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      const client = createCardClient(chip);
      const view = await t.system.cards.cards.get(card.cardId);
      const resident = await t.system.registry.get(card.residentId, {
        id: 'test',
        role: 'system',
        purpose: 'test',
      });
      const collationB =
        resident.birthDate.replaceAll('-', '').slice(2) + view.expiresOn.slice(0, 4) + card.securityCode;
      const face = await client.readFace({ collationB });
      return { certificate: await client.readCertificate('authentication'), face };
    };

    const visually = async (card: Card, extra: Record<string, unknown> = {}, token?: string) => {
      const { certificate } = await readCard(card);
      return t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(token ?? t.tokens['clinic-receptionist']),
        payload: { mode: 'visual', certificate: b64(certificate), comparedWithPhoto: true, ...extra },
      });
    };

    before(async () => {
      t = await createTestApp(dialect);
      await t.system.insurance.insurers.register({ institutionId: t.institutions.insurer.id });
      officer = {
        id: 'officer',
        role: 'insurer-officer',
        institutionId: t.institutions.insurer.id,
        purpose: 'enrolment',
      };
      taro = await issueCard(t);
      enrolmentId = await enrol({});
    });
    after(() => t?.dispose());

    it('PIN mode: the card signs the clinic-bound challenge; the answer has the DOMAIN fields', async () => {
      const r = await withPin(taro, { consent: ['medication', 'checkups', 'high-cost'] });
      assert.equal(r.statusCode, 200, r.body);
      const a = r.json() as Answer;
      assert.equal(a.mode, 'pin');
      assert.equal(a.validity, 'valid');
      assert.equal(a.validityCode, '1');
      assert.deepEqual(a.patient, {
        name: '髙橋 一郎',
        kana: 'タカハシ イチロウ',
        birthDate: '1980-02-29',
        sex: 'male',
      });
      assert.equal(a.qualifications.length, 1);
      const q = a.qualifications[0]!;
      assert.equal(q.insurerNumber, INSURER);
      assert.deepEqual([q.symbol, q.number, q.branch, q.relation], ['記号A', '1001', '00', 'self']);
      assert.equal(q.copayRatio, 30);
      assert.equal(q.eligible, true);
      assert.equal(q.highCostCategory, 'A03', 'shown with the high-cost consent');
      assert.deepEqual(a.consent?.items, ['medication', 'checkups', 'high-cost']);
      assert.deepEqual(a.items, ['name', 'kana', 'birth-date', 'sex', 'insurance', 'high-cost-category']);
      assert.doesNotMatch(r.body, new RegExp(taro.residentId));
    });

    it('PIN mode refuses a challenge made for another clinic, and a replay', async () => {
      const c = await challenge();
      const chip = await VirtualChip.open(taro.cardFile, taro.cardKey);
      const a = await answerChallenge(chip, PINS.authentication, Buffer.from(c.message, 'base64'));
      const other = await t.system.institutions.create({
        kind: 'medical',
        code: '1311234570',
        name: 'Other A',
      });
      const token = (await t.system.staff.issue('other a', 'clinic-receptionist', other.id)).token;
      const body = {
        mode: 'pin',
        challengeId: c.challengeId,
        certificate: b64(a.certificate),
        signature: b64(a.signature),
      };
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(token),
        payload: body,
      });
      assert.equal(wrong.json().code, 'AUTH_AUDIENCE_MISMATCH');
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(t.tokens['clinic-receptionist']),
        payload: body,
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(t.tokens['clinic-receptionist']),
        payload: body,
      });
      assert.equal(again.json().code, 'AUTH_CHALLENGE_REPLAYED');
    });

    it('visual mode: certificate read without a PIN, photo read with collation number B, recorded as visual', async () => {
      const { face } = await readCard(taro);
      assert.ok(
        face.photo !== undefined && face.photo.length > 0,
        'the chip gives the photo with collation B',
      );
      assert.equal(face.number, undefined, 'collation B never yields the number');
      const r = await visually(taro);
      assert.equal(r.statusCode, 200, r.body);
      const a = r.json() as Answer;
      assert.equal(a.mode, 'visual');
      assert.equal(a.validity, 'valid');
      // The consent given at this clinic a moment ago is in force (no new choice sent).
      assert.deepEqual(a.consent?.items, ['medication', 'checkups', 'high-cost']);
      assert.equal(a.qualifications[0]!.highCostCategory, 'A03');
      const refused = await visually(taro, { comparedWithPhoto: false });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().code, 'INSURANCE_VISUAL_CHECK_REQUIRED');
      // Nothing proves the card is on the reader without the PIN: consent cannot change.
      const consent = await visually(taro, { consent: ['medication', 'surgery'] });
      assert.equal(consent.statusCode, 400);
      assert.equal(consent.json().code, 'INSURANCE_CONSENT_NEEDS_PIN');
      const still = (await visually(taro)).json() as Answer;
      assert.deepEqual(still.consent?.items, ['medication', 'checkups', 'high-cost']);
      const garbage = await t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations',
        headers: json(t.tokens['clinic-receptionist']),
        payload: { mode: 'visual', certificate: 'AAAA', comparedWithPhoto: true },
      });
      assert.equal(garbage.statusCode, 400);
      assert.equal(garbage.json().code, 'INSURANCE_CERTIFICATE_UNREADABLE');
    });

    it('consent is for that institution only, and lasts 24 hours', async () => {
      const other = await t.system.institutions.create({
        kind: 'medical',
        code: '1311234568',
        name: 'Other B',
      });
      const token = (await t.system.staff.issue('other b', 'clinic-receptionist', other.id)).token;
      const elsewhere = (await visually(taro, {}, token)).json() as Answer;
      assert.equal(elsewhere.consent, null);
      assert.equal(elsewhere.qualifications[0]!.highCostCategory, null, 'no consent, no high-cost category');
      assert.ok(!elsewhere.items.includes('high-cost-category'));
      try {
        clock().set(new Date(Date.parse(START) + 23 * 3_600_000));
        assert.deepEqual(((await visually(taro)).json() as Answer).consent?.items, [
          'medication',
          'checkups',
          'high-cost',
        ]);
        clock().set(new Date(Date.parse(START) + 25 * 3_600_000));
        const later = (await visually(taro)).json() as Answer;
        assert.equal(later.consent, null, 'expired after 24 hours');
        assert.equal(later.qualifications[0]!.highCostCategory, null);
        // A new card check can record a new choice, including none at all.
        const fresh = (await withPin(taro, { consent: ['surgery'] })).json() as Answer;
        assert.deepEqual(fresh.consent?.items, ['surgery']);
        assert.equal(fresh.qualifications[0]!.highCostCategory, null);
      } finally {
        clock().set(START);
      }
    });

    it('validity: none for a card without insurance, invalid with the reason once ended, multiple, superseded', async () => {
      const hanako = await issueCard(t, {
        givenName: '花子',
        familyNameKana: 'タカハシ',
        givenNameKana: 'ハナコ',
        sex: 'female',
        birthDate: '1984-05-05',
      });
      const none = (await withPin(hanako)).json() as Answer;
      assert.equal(none.validity, 'none');
      assert.equal(none.validityCode, '4');
      assert.equal(none.patient, null, 'nothing from the register without a qualification');
      assert.deepEqual(none.qualifications, []);
      assert.deepEqual(none.items, []);

      // A dependant: the insured person's relation comes with the answer.
      const dep = await enrol({
        number: '1001',
        branch: '01',
        relation: 'dependant',
        insuredEnrolmentId: enrolmentId,
        insuredPersonRelation: '妻',
        givenName: '花子',
        givenNameKana: 'ハナコ',
        sex: 'female',
        birthDate: '1984-05-05',
        highCostCategory: null,
      });
      assert.ok(dep);
      const d = (await withPin(hanako)).json() as Answer;
      assert.equal(d.validity, 'valid');
      assert.equal(d.qualifications[0]!.relation, 'dependant');
      assert.equal(d.qualifications[0]!.insuredPersonRelation, '妻');

      // Ended: not eligible, with the reason.
      await t.system.insurance.enrolments.end(
        INSURER,
        dep,
        { date: '2026-03-01', reason: '資格喪失（就職）' },
        officer,
      );
      const ended = (await withPin(hanako)).json() as Answer;
      assert.equal(ended.validity, 'invalid');
      assert.equal(ended.validityCode, '2');
      assert.equal(ended.qualifications.length, 1);
      assert.equal(ended.qualifications[0]!.eligible, false);
      assert.equal(ended.qualifications[0]!.endReason, '資格喪失（就職）');

      // A newer qualification starting later: superseded (3).
      const second = await t.system.institutions.create({ kind: 'insurer', code: '06130017', name: 'Union' });
      await t.system.insurance.insurers.register({ institutionId: second.id });
      const union: Actor = { ...officer, id: 'union-officer', institutionId: second.id };
      await enrol({
        insurer: '06130017',
        actor: union,
        symbol: 'U1',
        number: '77',
        branch: '00',
        givenName: '花子',
        givenNameKana: 'ハナコ',
        sex: 'female',
        birthDate: '1984-05-05',
        qualificationDate: '2026-05-01',
      });
      const superseded = (await withPin(hanako)).json() as Answer;
      assert.equal(superseded.validity, 'superseded');
      assert.equal(superseded.validityCode, '3');

      // Two in force at once: multiple (5).
      await enrol({ insurer: '06130017', actor: union, symbol: 'U2', number: '78', branch: '00' });
      const multiple = (await withPin(taro)).json() as Answer;
      assert.equal(multiple.validity, 'multiple');
      assert.equal(multiple.validityCode, '5');
      assert.equal(multiple.qualifications.length, 2);
      assert.ok(multiple.qualifications.every((q) => q.eligible));
    });

    it('a suspended card is refused with a stable code, and works again once resumed', async () => {
      const jiro = await issueCard(t, {
        givenName: '次郎',
        givenNameKana: 'ジロウ',
        birthDate: '1990-01-01',
      });
      const actor: Actor = { id: 'clerk', role: 'clerk', purpose: 'card-lifecycle' };
      await t.system.cards.cards.suspend(jiro.cardId, { channel: 'phone' }, actor);
      const pin = await withPin(jiro);
      assert.equal(pin.statusCode, 409, pin.body);
      assert.equal(pin.json().code, 'INSURANCE_CARD_SUSPENDED');
      const visual = await visually(jiro);
      assert.equal(visual.statusCode, 409, visual.body);
      assert.equal(visual.json().code, 'INSURANCE_CARD_SUSPENDED');
      await t.system.cards.cards.resume(jiro.cardId, actor);
      assert.equal((await withPin(jiro)).json().validity, 'none');
    });

    it('資格確認書: the insurer issues a PDF whose QR payload a clinic confirms; forged and expired are refused', async () => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/insurance/qualification-certificates',
        headers: json(t.tokens['insurer-officer']),
        payload: { symbol: '記号A', number: '1001', branch: '00' },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers['content-type'], 'application/pdf');
      const pdf = r.rawPayload;
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      // The payload the PDF's QR code encodes, from the same service the route uses (no QR
      // decoder is installed here to read it off the page).
      const issued = await confirmations().issueCertificate(
        { symbol: '記号A', number: '1001', branch: '00' },
        { ...officer, purpose: 'qualification-certificate' },
      );
      assert.equal(issued.pdf.subarray(0, 5).toString(), '%PDF-');
      const payload = issued.token;
      const claims = JSON.parse(Buffer.from(payload.split('.')[1]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      assert.deepEqual(
        [claims['ins'], claims['sym'], claims['num'], claims['br'], claims['bd']],
        [INSURER, '記号A', '1001', '00', '1980-02-29'],
      );
      assert.doesNotMatch(payload, new RegExp(taro.residentId));
      assert.ok(!Object.keys(claims).some((k) => /number|resident|name/i.test(k)));
      const ok = await byCertificate(payload);
      assert.equal(ok.statusCode, 200, ok.body);
      const a = ok.json() as Answer;
      assert.equal(a.mode, 'certificate');
      assert.equal(a.patient?.birthDate, '1980-02-29');
      assert.equal(a.qualifications[0]!.symbol, '記号A');

      const [h, p, s] = payload.split('.') as [string, string, string];
      const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('"1001"', '"1002"')).toString(
        'base64url',
      );
      const f = await byCertificate(`${h}.${forged}.${s}`);
      assert.equal(f.statusCode, 400);
      assert.equal(f.json().code, 'INSURANCE_CERTIFICATE_SIGNATURE_INVALID');
      const m = await byCertificate('not a certificate');
      assert.equal(m.statusCode, 400);
      assert.equal(m.json().code, 'INSURANCE_CERTIFICATE_MALFORMED');
      try {
        clock().set('2031-05-01T00:00:00Z');
        const e = await byCertificate(payload);
        assert.equal(e.statusCode, 400);
        assert.equal(e.json().code, 'INSURANCE_CERTIFICATE_EXPIRED');
      } finally {
        clock().set(START);
      }
      const unknown = await t.app.inject({
        method: 'POST',
        url: '/v1/insurance/qualification-certificates',
        headers: json(t.tokens['insurer-officer']),
        payload: { symbol: '記号A', number: '9999', branch: '00' },
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'INSURANCE_ENROLMENT_NOT_FOUND');
    });

    it('the PDF renders and reads back (poppler)', async (ctx) => {
      if (spawnSync('pdftotext', ['-v']).error !== undefined) {
        if (process.env['CI']) assert.fail('poppler (pdftotext, pdftoppm) is required in CI');
        ctx.skip('poppler is not installed here (runs in CI)');
        return;
      }
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/insurance/qualification-certificates',
        headers: json(t.tokens['insurer-officer']),
        payload: { symbol: '記号A', number: '1001', branch: '00' },
      });
      const dir = mkdtempSync(join(tmpdir(), 'myna-qc-'));
      try {
        const file = join(dir, 'qc.pdf');
        writeFileSync(file, r.rawPayload);
        const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
        for (const s of ['資格確認書', INSURER, '記号A', '1001', '髙橋 一郎', '1980-02-29', '3割'])
          assert.ok(text.includes(s), `${s} is printed`);
        execFileSync('pdftoppm', ['-r', '50', '-png', '-singlefile', file, join(dir, 'page')]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the patient sees every confirmation: institution, when, mode, items, consents', async () => {
      const session = await t.system.sessions.start({ residentId: taro.residentId, cardId: taro.cardId });
      const r = await t.app.inject({
        method: 'GET',
        url: '/v1/me/insurance-confirmations',
        cookies: { myna_session: session.token },
      });
      assert.equal(r.statusCode, 200, r.body);
      const list = r.json().confirmations as {
        institution: { name: string; code: string };
        mode: string;
        items: string[];
        consents: string[];
        at: string;
      }[];
      const modes = new Set(list.map((c) => c.mode));
      for (const m of ['pin', 'visual', 'certificate']) assert.ok(modes.has(m), `${m} listed`);
      const first = list.at(-1)!;
      assert.equal(first.institution.name, 'Test clinic');
      assert.equal(first.institution.code, '1311234567');
      assert.deepEqual(first.consents, ['medication', 'checkups', 'high-cost']);
      assert.ok(first.items.includes('insurance'));
      assert.ok(list.some((c) => c.institution.name === 'Other B' && c.consents.length === 0));
      // The register's own access records name exactly the items returned.
      const reads = await t.system.registry.accessRecords({ residentId: taro.residentId, limit: 1000 });
      const confirms = reads.filter((x) => x.action === 'confirm-qualification');
      assert.equal(confirms.length, list.length);
      assert.ok(reads.some((x) => x.action === 'read' && x.items.join() === 'name,kana,birth-date,sex'));
    });

    it('roles: only a clinic confirms, only an insurer issues certificates', async () => {
      for (const role of ['clerk', 'insurer-officer', 'relying-party', 'auditor'] as const) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/clinic/challenge',
          headers: json(t.tokens[role]),
        });
        assert.equal(r.statusCode, 403, role);
        assert.equal(r.json().code, 'AUTH_ROLE_FORBIDDEN');
      }
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/insurance/qualification-certificates',
        headers: json(t.tokens['clinic-receptionist']),
        payload: { symbol: '記号A', number: '1001', branch: '00' },
      });
      assert.equal(r.statusCode, 403);
      const nobody = await t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations/by-certificate',
        payload: { payload: 'x' },
      });
      assert.equal(nobody.statusCode, 401);
    });

    it('any body gets a 2xx or a 4xx problem, never a 5xx (fast-check)', async () => {
      const token = t.tokens['clinic-receptionist'];
      const body = fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            mode: fc.constantFrom('pin', 'visual', 'face', ''),
            challengeId: fc.string(),
            certificate: fc.oneof(fc.base64String(), fc.string()),
            signature: fc.base64String(),
            comparedWithPhoto: fc.oneof(fc.boolean(), fc.string()),
            consent: fc.array(
              fc.constantFrom('medication', 'checkups', 'treatment', 'surgery', 'high-cost', 'x'),
            ),
          },
          { requiredKeys: [] },
        ),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.string(), async (payload, qr) => {
          for (const [url, p] of [
            ['/v1/clinic/confirmations', payload],
            ['/v1/clinic/confirmations/by-certificate', { payload: qr }],
            ['/v1/clinic/confirmations/by-certificate', payload],
          ] as const) {
            const r = await t.app.inject({ method: 'POST', url, headers: json(token), payload: p as object });
            assert.ok(r.statusCode < 500, `${url} ${r.statusCode} ${r.body}`);
            if (r.statusCode >= 400) assert.match(String(r.headers['content-type']), /problem\+json/);
          }
        }),
        { numRuns: 60 },
      );
    });

    it('logs no number, name, address, nor the QR payload', () => {
      const log = t.log();
      for (const s of ['髙橋', '一郎', '霞が関', 'タカハシ', '記号A', 'eyJ'])
        assert.ok(!log.includes(s), `log holds ${s}`);
    });

    async function byCertificate(payload: string) {
      return t.app.inject({
        method: 'POST',
        url: '/v1/clinic/confirmations/by-certificate',
        headers: json(t.tokens['clinic-receptionist']),
        payload: { payload },
      });
    }
  });
}
