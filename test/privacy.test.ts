import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ObjectIdentifier } from 'asn1js';
import SQLite from 'better-sqlite3';
import sharp from 'sharp';
import { seedDemo } from '../src/cli/demo.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { signInWithCard } from './support/sign-in.ts';

/**
 * What the design promises about where personal data may be, checked on the bytes:
 * numbers exist only sealed in the vault; names and addresses only in the register's
 * own tables; logs hold ids only.
 */
describe('privacy of stored and logged data', () => {
  let t: TestApp;
  const numbers: string[] = [];
  const EMAILS = ['a.privacy@example.jp', 'b.privacy@example.jp', 'c.privacy@example.jp'];
  const PASSWORD = 'PRIVACYPASS7';
  let people: { name: string; given: string; address: string }[] = [];

  before(async () => {
    t = await createTestApp('sqlite');
    await seedDemo(t.system, { residents: 300, seed: 11 });
    const db = new SQLite(t.system.config.sqlitePath, { readonly: true });
    const rows = db
      .prepare(
        'select id, family_name, given_name, address from resident where given_name is not null order by id limit 40',
      )
      .all() as {
      id: string;
      family_name: string;
      given_name: string;
      address: string;
    }[];
    db.close();
    people = rows.map((r) => ({ name: r.family_name, given: r.given_name, address: r.address }));
    for (const r of rows.slice(0, 20)) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${r.id}/number/reveal`,
        headers: staffHeaders(t.tokens.clerk),
      });
      numbers.push((res.json() as { number: string }).number);
      await t.app.inject({
        method: 'POST',
        url: '/v1/residents/search',
        headers: staffHeaders(t.tokens.clerk),
        payload: { number: numbers.at(-1) },
      });
      await t.app.inject({
        method: 'POST',
        url: `/v1/residents/${r.id}/events`,
        headers: staffHeaders(t.tokens.clerk),
        payload: { kind: 'move', effectiveDate: '2026-03-01', changes: { address: `${r.address}の2` } },
      });
    }
    // Three of them apply for a card online, and receive it at the counter.
    const photo = await sharp({ create: { width: 480, height: 640, channels: 3, background: '#907060' } })
      .withExif({ IFD0: { Artist: 'PRIVACY-EXIF-MARKER' } })
      .jpeg()
      .toBuffer();
    for (const [i, r] of rows.slice(20, 23).entries()) {
      const number = (
        await t.app.inject({
          method: 'POST',
          url: `/v1/residents/${r.id}/number/reveal`,
          headers: staffHeaders(t.tokens.clerk),
        })
      ).json().number as string;
      numbers.push(number);
      const birthDate = (await t.system.registry.get(r.id, { id: 't', role: 'clerk', purpose: 'test' }))
        .birthDate;
      const applied = await t.app.inject({
        method: 'POST',
        url: '/v1/card-applications',
        payload: { number, birthDate, email: EMAILS[i], photo: photo.toString('base64') },
      });
      assert.equal(applied.statusCode, 201, applied.body);
      const id = applied.json().id as string;
      const h = staffHeaders(t.tokens.supervisor, 'card-issuance');
      await t.app.inject({
        method: 'POST',
        url: `/v1/card-applications/${id}/decision`,
        headers: h,
        payload: { approve: true },
      });
      const cardId = (
        await t.app.inject({ method: 'POST', url: `/v1/card-applications/${id}/produce`, headers: h })
      ).json().id;
      await t.app.inject({ method: 'POST', url: `/v1/cards/${cardId}/ready`, headers: h });
      const handed = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${cardId}/hand-over`,
        headers: h,
        payload: {
          identityConfirmed: true,
          pins: { signature: PASSWORD, authentication: '4321', text: '8765' },
        },
      });
      assert.equal(handed.statusCode, 200, handed.body);
      if (i === 0) {
        // The first holder also works at the town office: signs in, takes up a grant, acts.
        const card = {
          cardFile: Buffer.from(handed.json().cardFile as string, 'base64'),
          cardKey: Buffer.from(handed.json().cardKey as string, 'base64url'),
        };
        const session = await signInWithCard(t, card, { pin: '4321' });
        const granted = await t.system.institutions.grants.create(
          { institutionId: t.institutions.town.id, role: 'clerk', label: 'privacy clerk' },
          'test',
        );
        const enrol = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/staff/enrol',
          payload: { code: granted.enrolmentCode },
          cookies: { myna_session: session },
        });
        assert.equal(enrol.statusCode, 200, enrol.body);
        const act = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/staff/act',
          payload: { grantId: granted.grant.id },
          cookies: { myna_session: session },
        });
        assert.equal(act.statusCode, 200, act.body);
      }
    }
    await t.system.store.close();
  });
  after(() => t?.dispose());

  it('no individual number appears anywhere in the database files', () => {
    assert.equal(numbers.length, 23);
    const files = readdirSync(t.dir).filter((f) => f.startsWith('myna.db'));
    assert.ok(files.includes('myna.db'));
    for (const file of files) {
      const bytes = readFileSync(join(t.dir, file));
      for (const n of numbers) {
        for (const form of [
          n,
          `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`,
          Buffer.from(n, 'utf16le').toString('latin1'),
        ]) {
          assert.ok(!bytes.includes(Buffer.from(form, 'latin1')), `${file} holds a number`);
        }
      }
    }
  });

  it('names and addresses stay in the register tables; audit and outbox hold ids only', () => {
    const db = new SQLite(t.system.config.sqlitePath, { readonly: true });
    const dump = (table: string): string => JSON.stringify(db.prepare(`select * from ${table}`).all());
    const outside = [
      'access_record',
      'outbox_event',
      'number_vault',
      'staff_credential',
      'card_invitation',
      'card_application',
      'card',
      'card_event',
      'pki_authority',
      'pki_certificate',
      'pki_status_event',
      'pki_crl',
      // (institution holds public names of offices, such as 愛知県名古屋市, so it is not scanned)
      'staff_grant',
      'auth_session',
      'auth_card_challenge',
    ]
      .map(dump)
      .join('\n');
    assert.ok(
      dump('access_record').length > 1000 && dump('outbox_event').length > 100,
      'the tables were written',
    );
    for (const p of people) {
      for (const secret of [`${p.name}${p.given}`, p.given, p.address])
        assert.ok(!outside.includes(secret), `found ${secret}`);
    }
    db.close();
  });

  it('a card leaves no photo, contact address, password or certificate holder data readable in the database', () => {
    const files = readdirSync(t.dir).filter((f) => f.startsWith('myna.db'));
    const db = new SQLite(t.system.config.sqlitePath, { readonly: true });
    const cards = db.prepare('select status, chip_sealed from card').all() as {
      status: string;
      chip_sealed: unknown;
    }[];
    db.close();
    assert.deepEqual(
      cards.map((c) => [c.status, c.chip_sealed]),
      cards.map(() => ['active', null]),
      'handed-over chips are not kept',
    );
    for (const file of files) {
      const bytes = readFileSync(join(t.dir, file));
      for (const secret of [...EMAILS, PASSWORD, 'PRIVACY-EXIF-MARKER', 'JFIF'])
        assert.ok(!bytes.includes(Buffer.from(secret)), `${file} holds ${secret}`);
      // The signature certificates (four basic items in their SAN) are not stored.
      const nameOid = Buffer.from(
        new ObjectIdentifier({ value: '1.2.392.200149.8.5.5.1' }).valueBlock.toBER(),
      );
      assert.ok(!bytes.includes(nameOid), 'no certificate with holder data');
    }
  });

  it('the server log holds no number, name or address', () => {
    const log = t.log();
    assert.ok(log.split('\n').length > 60);
    for (const n of numbers) assert.ok(!log.includes(n) && !log.includes(n.slice(-8)), 'number in log');
    for (const secret of [...EMAILS, PASSWORD]) assert.ok(!log.includes(secret), `log holds ${secret}`);
    for (const p of people.slice(0, 20)) {
      for (const secret of [p.given, p.address, `${p.name}${p.given}`])
        assert.ok(!log.includes(secret), `log holds ${secret}`);
    }
  });

  it('the key file is readable by its owner only', () => {
    const mode = readdirSync(join(t.dir, 'keys')).map((f) => statSync(join(t.dir, 'keys', f)).mode & 0o777);
    assert.deepEqual(mode, [0o600]);
  });
});
