import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeEnrolmentCode, validateInstitutionCode } from '../src/auth/index.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { issueCard } from './support/cards.ts';
import { sessionFrom, signInWithCard } from './support/sign-in.ts';
import { dialects } from './support/stores.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`institutions, staff grants and machine credentials on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let staffCard: Awaited<ReturnType<typeof issueCard>>;
    let patient: Awaited<ReturnType<typeof issueCard>>;
    const operator = () => ({ authorization: `Bearer ${t.tokens.operator}` });
    before(async () => {
      t = await createTestApp(dialect);
      staffCard = await issueCard(t, { givenName: '職員', birthDate: '1979-05-05' });
      patient = await issueCard(t, { givenName: '住民', birthDate: '1990-02-02' });
    });
    after(() => t?.dispose());

    it('lets an operator register institutions with checked codes, and nobody else', async () => {
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/institutions',
        headers: operator(),
        payload: { kind: 'insurer', code: '33120015', name: '千葉県警察共済' },
      });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().kind, 'insurer');
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/institutions',
        headers: operator(),
        payload: { kind: 'insurer', code: '33120015', name: 'duplicate' },
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'AUTH_INSTITUTION_EXISTS');
      for (const [kind, code] of [
        ['insurer', '33120016'],
        ['business', '7000012050003'],
        ['medical', '12345'],
        ['licensing', '48'],
      ] as const) {
        const bad = await t.app.inject({
          method: 'POST',
          url: '/v1/institutions',
          headers: operator(),
          payload: { kind, code, name: 'x' },
        });
        assert.equal(bad.statusCode, 400, `${kind} ${code}`);
        assert.equal(bad.json().code, 'AUTH_INSTITUTION_CODE');
      }
      const byClerk = await t.app.inject({
        method: 'POST',
        url: '/v1/institutions',
        headers: { authorization: `Bearer ${t.tokens.clerk}` },
        payload: { kind: 'service', name: 'sneaky' },
      });
      assert.equal(byClerk.statusCode, 403);
      assert.equal(byClerk.json().code, 'AUTH_ROLE_FORBIDDEN');
      // A role must fit the institution's kind.
      const wrongRole = await t.app.inject({
        method: 'POST',
        url: `/v1/institutions/${t.institutions.clinic.id}/grants`,
        headers: operator(),
        payload: { role: 'clerk', label: 'Dr. Sato' },
      });
      assert.equal(wrongRole.statusCode, 400);
      assert.equal(wrongRole.json().code, 'AUTH_ROLE_NOT_FOR_INSTITUTION');
    });

    it('binds a grant to the person who redeems its code with their own card, who then acts in that role', async () => {
      const granted = await t.app.inject({
        method: 'POST',
        url: `/v1/institutions/${t.institutions.town.id}/grants`,
        headers: operator(),
        payload: { role: 'clerk', label: 'counter 2' },
      });
      assert.equal(granted.statusCode, 201, granted.body);
      const { grant, enrolmentCode } = granted.json() as {
        grant: { id: string; status: string };
        enrolmentCode: string;
      };
      assert.equal(grant.status, 'pending');
      assert.match(enrolmentCode, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);

      let session = await signInWithCard(t, staffCard);
      const cookies = () => ({ cookies: { myna_session: session } });
      // Signed in as themselves, staff routes are refused.
      const asSelf = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${patient.residentId}`,
        headers: { 'x-myna-purpose': 'counter-service' },
        ...cookies(),
      });
      assert.equal(asSelf.statusCode, 403);
      assert.equal(asSelf.json().code, 'AUTH_NOT_ACTING_AS_STAFF');

      // The code works typed loosely (lower case, no dashes), once.
      const enrol = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/staff/enrol',
        payload: { code: enrolmentCode.toLowerCase().replaceAll('-', '') },
        ...cookies(),
      });
      assert.equal(enrol.statusCode, 200, enrol.body);
      assert.equal(enrol.json().role, 'clerk');
      assert.equal(enrol.json().institution.id, t.institutions.town.id);
      const reuse = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/staff/enrol',
        payload: { code: enrolmentCode },
        ...cookies(),
      });
      assert.equal(reuse.statusCode, 400);
      assert.equal(reuse.json().code, 'AUTH_ENROLMENT_CODE');

      const me = await t.app.inject({ method: 'GET', url: '/v1/me', ...cookies() });
      assert.equal(me.json().acting, null);
      assert.deepEqual(
        me.json().grants.map((g: { grantId: string }) => g.grantId),
        [grant.id],
      );

      const act = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/staff/act',
        payload: { grantId: grant.id },
        ...cookies(),
      });
      assert.equal(act.statusCode, 200, act.body);
      const previous = session;
      session = sessionFrom(act, session);
      assert.notEqual(session, previous, 'acting in a role replaces the session token');
      assert.equal(act.json().acting.role, 'clerk');

      const read = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${patient.residentId}`,
        headers: { 'x-myna-purpose': 'counter-service' },
        ...cookies(),
      });
      assert.equal(read.statusCode, 200, read.body);
      // The access record names the grant (the person acting for the institution).
      const records = await t.app.inject({
        method: 'GET',
        url: `/v1/access-records?residentId=${patient.residentId}&actorId=${grant.id}`,
        headers: staffHeaders(t.tokens.auditor, 'audit'),
      });
      assert.equal(records.statusCode, 200, records.body);
      assert.ok(records.json().records.some((r: { actorRole: string }) => r.actorRole === 'clerk'));

      // A clerk may not do a supervisor's work, even through a card session.
      const reassign = await t.app.inject({
        method: 'GET',
        url: '/v1/reviews',
        headers: { 'x-myna-purpose': 'counter-service' },
        ...cookies(),
      });
      assert.equal(reassign.statusCode, 403);
      assert.equal(reassign.json().code, 'AUTH_ROLE_FORBIDDEN');

      // Someone else cannot act under this grant.
      const other = await signInWithCard(t, patient);
      const steal = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/staff/act',
        payload: { grantId: grant.id },
        cookies: { myna_session: other },
      });
      assert.equal(steal.statusCode, 403);
      assert.equal(steal.json().code, 'AUTH_GRANT_NOT_HELD');

      // Revoking the grant ends the sessions acting under it at once.
      const revoked = await t.app.inject({
        method: 'POST',
        url: `/v1/grants/${grant.id}/revoke`,
        headers: operator(),
      });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.json().sessionsEnded, 1);
      const after = await t.app.inject({
        method: 'GET',
        url: `/v1/residents/${patient.residentId}`,
        headers: { 'x-myna-purpose': 'counter-service' },
        ...cookies(),
      });
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().code, 'AUTH_SESSION_ENDED');
    });

    it('lets an enrolment code expire after a week', async () => {
      const clock = t.system.clock as unknown as { set(to: Date): void };
      const start = t.system.clock.now();
      const out = await t.system.institutions.grants.create(
        { institutionId: t.institutions.clinic.id, role: 'clinic-receptionist', label: 'front desk' },
        'test',
      );
      try {
        clock.set(new Date(start.getTime() + 7 * 24 * 3_600_000 + 1000));
        await assert.rejects(
          t.system.institutions.grants.enrol(out.enrolmentCode!, patient.residentId),
          (e: { code?: string }) => e.code === 'AUTH_ENROLMENT_EXPIRED',
        );
      } finally {
        clock.set(start);
      }
    });

    it('issues machine credentials per institution: hashed at rest, rotatable with a grace period, revocable', async () => {
      const issued = await t.app.inject({
        method: 'POST',
        url: `/v1/institutions/${t.institutions.town.id}/credentials`,
        headers: operator(),
        payload: { role: 'clerk', label: 'town batch' },
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const { credential, token } = issued.json() as { credential: { id: string }; token: string };
      const use = (bearer: string) =>
        t.app.inject({
          method: 'GET',
          url: `/v1/residents/${patient.residentId}`,
          headers: staffHeaders(bearer),
        });
      assert.equal((await use(token)).statusCode, 200);
      if (dialect === 'sqlite') {
        const secret = token.split('.')[1]!;
        const db = t.system.config.sqlitePath;
        for (const f of [db, `${db}-wal`])
          try {
            assert.ok(!readFileSync(f).includes(secret), `no secret in ${f}`);
          } catch (e) {
            if ((e as { code?: string }).code !== 'ENOENT') throw e;
          }
      }

      const clock = t.system.clock as unknown as { set(to: Date): void };
      const start = t.system.clock.now();
      const rotated = await t.app.inject({
        method: 'POST',
        url: `/v1/credentials/${credential.id}/rotate`,
        headers: operator(),
        payload: { graceSeconds: 600 },
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const next = rotated.json().token as string;
      assert.notEqual(next, token);
      assert.equal((await use(next)).statusCode, 200);
      assert.equal((await use(token)).statusCode, 200, 'the old secret works during the grace period');
      try {
        clock.set(new Date(start.getTime() + 601_000));
        const late = await use(token);
        assert.equal(late.statusCode, 401);
        assert.equal(late.json().code, 'AUTH_INVALID_CREDENTIAL');
        assert.equal((await use(next)).statusCode, 200);
      } finally {
        clock.set(start);
      }
      const immediate = await t.app.inject({
        method: 'POST',
        url: `/v1/credentials/${credential.id}/rotate`,
        headers: operator(),
        payload: {},
      });
      const third = immediate.json().token as string;
      assert.equal((await use(next)).statusCode, 401, 'without a grace period the old secret stops at once');
      const revoke = await t.app.inject({
        method: 'POST',
        url: `/v1/credentials/${credential.id}/revoke`,
        headers: operator(),
      });
      assert.equal(revoke.statusCode, 204);
      const gone = await use(third);
      assert.equal(gone.statusCode, 401);
      assert.equal(gone.json().code, 'AUTH_REVOKED_CREDENTIAL');
      const tooLong = await t.app.inject({
        method: 'POST',
        url: `/v1/credentials/${credential.id}/rotate`,
        headers: operator(),
        payload: { graceSeconds: 8 * 24 * 3600 },
      });
      assert.equal(tooLong.statusCode, 400);
    });

    it('refuses a route needing an entitlement the institution lacks, until the operator grants it', async () => {
      // The matrix test covers every route; here the switch itself.
      const set = async (entitlements: string[]) =>
        t.app.inject({
          method: 'PUT',
          url: `/v1/institutions/${t.institutions.service.id}/entitlements`,
          headers: operator(),
          payload: { entitlements },
        });
      assert.equal((await set(['signer-items'])).json().entitlements.join(), 'signer-items');
      const unknown = await set(['everything']);
      assert.equal(unknown.statusCode, 400);
      const institution = await t.system.institutions.get(t.institutions.service.id);
      assert.deepEqual(institution.entitlements, ['signer-items']);
    });

    it('lets a holder report their card lost from the portal: suspended at once, signed out, sign-in refused', async () => {
      const lost = await issueCard(t, { givenName: '紛失', birthDate: '1985-03-03' });
      const session = await signInWithCard(t, lost);
      const second = await signInWithCard(t, lost);
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/me/card/report-lost',
        cookies: { myna_session: session },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { cardId: lost.cardId, status: 'suspended', sessionsEnded: 2 });
      const card = await t.system.cards.cards.get(lost.cardId);
      assert.equal(card.status, 'suspended');
      const stillIn = await t.app.inject({ method: 'GET', url: '/v1/me', cookies: { myna_session: second } });
      assert.equal(stillIn.statusCode, 401);
      await assert.rejects(signInWithCard(t, lost), /AUTH_CARD_SUSPENDED/);
      // A second report is a clear conflict, not a 500 (the card is no longer active).
      const again = await t.app.inject({ method: 'POST', url: '/v1/me/card/report-lost' });
      assert.equal(again.statusCode, 401);
    });
  });
}

describe('institution codes and enrolment codes (parsers)', () => {
  it('never throws anything but AUTH_INSTITUTION_CODE, and accepts only codes of the right shape', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'municipality',
          'medical',
          'insurer',
          'licensing',
          'business',
          'service',
        ) as fc.Arbitrary<'municipality' | 'medical' | 'insurer' | 'licensing' | 'business' | 'service'>,
        fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^\d{1,14}$/)),
        (kind, code) => {
          try {
            const out = validateInstitutionCode(kind, code);
            if (out !== null) assert.match(out, /^\d+$/);
          } catch (e) {
            assert.equal((e as { code?: string }).code, 'AUTH_INSTITUTION_CODE');
          }
        },
      ),
    );
  });

  it('reads enrolment codes as printed, in any case, and rejects everything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const n = normalizeEnrolmentCode(s);
        if (n !== undefined) assert.match(n, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      }),
    );
    assert.equal(normalizeEnrolmentCode('abcd efgh jkmn pqrs'), 'ABCD-EFGH-JKMN-PQRS');
    assert.equal(normalizeEnrolmentCode('ABCD-EFGH-JKMN-PQR'), undefined);
  });
});
