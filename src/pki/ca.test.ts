import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dialects } from '../../test/support/stores.ts';
import { isAppError } from '../core/index.ts';
import { CA_SUBJECTS, createPki, type Pki } from './ca.ts';
import { createFileKeyStore } from './file-key-store.ts';
import {
  BASE_URL,
  cardKey,
  createTestPki,
  holder,
  openssl,
  pem,
  SECRET,
  START,
  type TestPki,
} from './pki.test-util.ts';
import { certificateHolder } from './read-certificate.ts';
import type { CertificateRequest } from './types.ts';

const code = (expected: string) => (e: unknown) => isAppError(e) && e.code === expected;
const FIVE_YEARS = '2031-02-28T23:59:59Z';

function request(
  kind: 'signature' | 'authentication',
  overrides: Partial<CertificateRequest> = {},
): CertificateRequest {
  return {
    cardId: 'card-0001',
    kind,
    publicKey: cardKey(),
    notBefore: new Date(START),
    notAfter: new Date(FIVE_YEARS),
    ...(kind === 'signature' ? { holder } : {}),
    ...overrides,
  };
}

for (const { dialect, skip } of await dialects()) {
  describe(`CA hierarchy on ${dialect}`, { skip }, () => {
    let x: TestPki;
    let pki: Pki;
    before(async () => {
      x = await createTestPki(dialect, { init: false });
      pki = x.pki;
    });
    after(() => x?.dispose());

    it('refuses to issue before the key ceremony', async () => {
      await assert.rejects(pki.issue(request('authentication')), code('PKI_NOT_INITIALIZED'));
      await assert.rejects(pki.caCertificate('root'), code('PKI_NOT_INITIALIZED'));
    });

    it('runs the key ceremony once: root and two issuing CAs that openssl accepts', async () => {
      const first = await pki.init();
      assert.equal(first.created, true);
      for (const a of first.authorities) assert.equal(a.subject, CA_SUBJECTS[a.ca]);
      assert.equal(CA_SUBJECTS.root, 'C=JP, O=JPKI, OU=Myna Root CA');
      assert.deepEqual(first.authorities.map((a) => a.ca).sort(), ['authentication', 'root', 'signature']);
      const root = first.authorities.find((a) => a.ca === 'root')!;
      assert.equal(root.notAfter.toISOString(), '2056-03-01T00:00:00.000Z');
      assert.equal(
        first.authorities.find((a) => a.ca === 'signature')!.notAfter.toISOString(),
        '2046-03-01T00:00:00.000Z',
      );

      const again = await pki.init();
      assert.equal(again.created, false);
      assert.deepEqual(again.authorities, first.authorities);
      const elsewhere = await x.another().init();
      assert.equal(elsewhere.created, false, 'a second process sees the same hierarchy');
      assert.deepEqual(
        elsewhere.authorities.map((a) => a.sha256).sort(),
        first.authorities.map((a) => a.sha256).sort(),
      );

      await x.writeAuthorities();
      const fp = await openssl(['x509', '-in', 'root.pem', '-noout', '-fingerprint', '-sha256'], x.dir);
      assert.equal(fp.out.trim().split('=')[1], root.sha256);
      const rootText = await openssl(['x509', '-in', 'root.pem', '-noout', '-text'], x.dir);
      assert.match(rootText.out, /Subject: C = JP, O = JPKI, OU = Myna Root CA/);
      assert.match(rootText.out, /Basic Constraints: critical\s+CA:TRUE/);
      assert.match(rootText.out, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      for (const ca of ['signature', 'authentication']) {
        const v = await openssl(['verify', '-attime', x.attime(), '-CAfile', 'root.pem', `${ca}.pem`], x.dir);
        assert.equal(v.code, 0, v.out);
        const text = await openssl(['x509', '-in', `${ca}.pem`, '-noout', '-text'], x.dir);
        assert.match(text.out, /CA:TRUE, pathlen:0/);
        assert.match(text.out, /Issuer: C = JP, O = JPKI, OU = Myna Root CA/);
        assert.match(text.out, /URI:http:\/\/127\.0\.0\.1:8080\/pki\/crl\/root\.crl/);
      }
      assert.deepEqual(await pki.chain('signature'), [
        await pki.caCertificate('signature'),
        await pki.caCertificate('root'),
      ]);
      await assert.rejects(pki.caCertificate('intermediate' as 'root'), code('PKI_UNKNOWN_CA'));
    });

    it('refuses to start when the key store lacks the CA keys', async () => {
      const elsewhere = createPki({
        store: x.t.store,
        clock: x.clock,
        keyStore: createFileKeyStore({ dir: join(x.dir, 'other-keys'), secret: SECRET }),
        baseUrl: BASE_URL,
      });
      await assert.rejects(elsewhere.init(), code('PKI_KEY_MISSING'));
    });

    it('issues a signature certificate with the 4 basic items only in subjectAltName', async () => {
      const issued = await pki.issue(request('signature'));
      assert.match(issued.serial, /^[4-7][0-9a-f]{31}$/);
      assert.equal(issued.ca, 'signature');
      x.write('sig.pem', pem(issued.der));
      const text = (await openssl(['x509', '-in', 'sig.pem', '-noout', '-text'], x.dir)).out;
      assert.match(
        text,
        new RegExp(`Subject: C = JP, CN = ${issued.serial}\\n`),
        'the DN holds no personal data',
      );
      assert.match(text, /othername: 1\.2\.392\.200149\.8\.5\.5\.1::髙橋 一郎/);
      assert.match(text, /othername: 1\.2\.392\.200149\.8\.5\.5\.4::319800229/);
      assert.match(text, /othername: 1\.2\.392\.200149\.8\.5\.5\.3::1/);
      assert.match(text, /othername: 1\.2\.392\.200149\.8\.5\.5\.5::東京都千代田区霞が関一丁目2番3号/);
      assert.match(text, /Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
      assert.match(text, /Policy: 2\.25\.76031230199616812671565888916537270741\.1\.1/);
      assert.match(text, /URI:http:\/\/127\.0\.0\.1:8080\/pki\/crl\/signature\.crl/);
      assert.match(text, /OCSP - URI:http:\/\/127\.0\.0\.1:8080\/pki\/ocsp/);
      assert.match(text, /CA Issuers - URI:http:\/\/127\.0\.0\.1:8080\/pki\/ca\/signature\.crt/);
      assert.match(text, /Authority Key Identifier/);
      assert.match(text, /Subject Key Identifier/);
      assert.match(text, /Not After : Feb 28 23:59:59 2031 GMT/);
      assert.deepEqual(certificateHolder(issued.der), holder);

      const v = await openssl(
        ['verify', '-attime', x.attime(), '-CAfile', 'root.pem', '-untrusted', 'signature.pem', 'sig.pem'],
        x.dir,
      );
      assert.equal(v.code, 0, v.out);
    });

    it('issues an authentication certificate with no personal data at all', async () => {
      const issued = await pki.issue(request('authentication'));
      x.write('auth.pem', pem(issued.der));
      const text = (await openssl(['x509', '-in', 'auth.pem', '-noout', '-text'], x.dir)).out;
      assert.doesNotMatch(text, /othername|Alternative Name/);
      assert.doesNotMatch(text, /髙橋|霞が関/);
      assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
      assert.match(text, /Extended Key Usage: \s*TLS Web Client Authentication/);
      assert.match(text, /Policy: 2\.25\.76031230199616812671565888916537270741\.1\.2/);
      assert.match(text, /Issuer: C = JP, O = JPKI, OU = JPKI for user authentication/);
      assert.equal(certificateHolder(issued.der), undefined);
    });

    it('rejects a wrong profile, a validity beyond the CA and a bad key', async () => {
      await assert.rejects(pki.issue(request('signature', { holder: undefined })), code('PKI_PROFILE'));
      await assert.rejects(pki.issue(request('authentication', { holder })), code('PKI_PROFILE'));
      await assert.rejects(
        pki.issue(request('signature', { holder: { ...holder, birthDate: '1980-02-30' } })),
        code('PKI_PROFILE'),
      );
      await assert.rejects(pki.issue(request('authentication', { cardId: '' })), code('PKI_PROFILE'));
      await assert.rejects(
        pki.issue(request('authentication', { notAfter: new Date('2046-03-01T00:00:01Z') })),
        code('PKI_VALIDITY'),
      );
      // Exactly the CA's own expiry is still allowed.
      await pki.issue(request('authentication', { notAfter: new Date('2046-03-01T00:00:00Z') }));
      await assert.rejects(
        pki.issue(request('authentication', { notBefore: new Date(FIVE_YEARS), notAfter: new Date(START) })),
        code('PKI_VALIDITY'),
      );
      await assert.rejects(
        pki.issue(request('authentication', { notAfter: new Date('x') })),
        code('PKI_VALIDITY'),
      );
      await assert.rejects(
        pki.issue(request('authentication', { publicKey: new Uint8Array([0x30, 0x00]) })),
        code('PKI_PUBLIC_KEY'),
      );
    });

    it('writes nothing when the caller’s transaction rolls back', async () => {
      let serial = '';
      await assert.rejects(
        x.t.store.db.transaction().execute(async (trx) => {
          serial = (await pki.issue(request('authentication', { cardId: 'card-rolled-back' }), trx)).serial;
          throw new Error('the card could not be written');
        }),
        /could not be written/,
      );
      assert.notEqual(serial, '');
      assert.deepEqual(await pki.certificatesOf('card-rolled-back'), []);
      assert.deepEqual(await pki.status(serial), { status: 'unknown' });
    });

    it('lists a card’s certificates, keeping the DER of authentication certificates only', async () => {
      const sig = await pki.issue(request('signature', { cardId: 'card-list' }));
      const auth = await pki.issue(request('authentication', { cardId: 'card-list' }));
      const records = await pki.certificatesOf('card-list');
      assert.deepEqual(records.map((r) => r.serial).sort(), [sig.serial, auth.serial].sort());
      const s = records.find((r) => r.kind === 'signature')!;
      const a = records.find((r) => r.kind === 'authentication')!;
      assert.equal(s.der, null, 'the signature certificate holds personal data and is not kept');
      assert.deepEqual(a.der, auth.der);
      assert.equal(s.status, 'good');
      assert.equal(s.notAfter.toISOString(), '2031-02-28T23:59:59.000Z');
      assert.equal(s.sha256, createHash('sha256').update(sig.der).digest('hex'));
      if (x.t.sqliteFile !== undefined) {
        const bytes = Buffer.concat(
          [x.t.sqliteFile, `${x.t.sqliteFile}-wal`].map((f) => {
            try {
              return readFileSync(f);
            } catch {
              return Buffer.alloc(0);
            }
          }),
        );
        assert.equal(bytes.includes(Buffer.from(holder.name)), false, 'no holder name in the database');
        assert.equal(bytes.includes(Buffer.from(holder.address)), false, 'no holder address in the database');
      }
    });
  });

  describe(`revocation, suspension and CRLs on ${dialect}`, { skip }, () => {
    let x: TestPki;
    let pki: Pki;
    before(async () => {
      x = await createTestPki(dialect);
      pki = x.pki;
      await x.writeAuthorities();
    });
    after(() => x?.dispose());

    async function verifyWithCrl(leaf: string, ca: 'signature' | 'authentication') {
      x.write(`${ca}-crl.der`, await pki.crl(ca));
      await openssl(['crl', '-inform', 'DER', '-in', `${ca}-crl.der`, '-out', `${ca}-crl.pem`], x.dir);
      return openssl(
        [
          'verify',
          '-attime',
          x.attime(),
          '-CAfile',
          'root.pem',
          '-untrusted',
          `${ca}.pem`,
          '-crl_check',
          '-CRLfile',
          `${ca}-crl.pem`,
          leaf,
        ],
        x.dir,
      );
    }

    it('a good certificate passes openssl’s CRL check; once revoked it fails', async () => {
      const issued = await pki.issue(request('signature'));
      x.write('leaf.pem', pem(issued.der));
      const good = await verifyWithCrl('leaf.pem', 'signature');
      assert.equal(good.code, 0, good.out);
      assert.match(good.out, /leaf\.pem: OK/);

      x.clock.set('2026-03-02T00:00:00Z');
      await pki.revoke(issued.serial, 'affiliationChanged', new Date('2026-03-01T12:00:00Z'));
      const bad = await verifyWithCrl('leaf.pem', 'signature');
      assert.notEqual(bad.code, 0);
      assert.match(bad.out, /certificate revoked/);

      const text = await openssl(
        ['crl', '-inform', 'DER', '-in', 'signature-crl.der', '-noout', '-text'],
        x.dir,
      );
      assert.equal(text.code, 0, text.out);
      assert.match(text.out, /Version 2/);
      assert.match(text.out, /Issuer: C = JP, O = JPKI, OU = JPKI for digital signature/);
      assert.match(text.out, /Last Update: Mar {2}2 00:00:00 2026 GMT/);
      assert.match(text.out, /Next Update: Mar {2}3 00:00:00 2026 GMT/);
      assert.match(text.out, /X509v3 CRL Number: \n\s+2/);
      assert.match(text.out, new RegExp(`Serial Number: ${issued.serial.toUpperCase()}`));
      assert.match(text.out, /Revocation Date: Mar {2}1 12:00:00 2026 GMT/);
      assert.match(text.out, /Affiliation Changed/);

      const status = await pki.status(issued.serial);
      assert.equal(status.status, 'revoked');
      assert.equal(status.reason, 'affiliationChanged');
      assert.equal(status.revokedAt?.toISOString(), '2026-03-01T12:00:00.000Z');
      assert.equal((await pki.status(issued.serial, new Date('2026-03-01T11:59:59Z'))).status, 'good');
      assert.equal((await pki.status(issued.serial, new Date('2026-03-01T12:00:00Z'))).status, 'revoked');

      await assert.rejects(
        pki.revoke(issued.serial, 'keyCompromise', x.clock.now()),
        code('PKI_ALREADY_REVOKED'),
      );
      await assert.rejects(pki.hold(issued.serial, x.clock.now()), code('PKI_ALREADY_REVOKED'));
      await assert.rejects(pki.release(issued.serial, x.clock.now()), code('PKI_NOT_ON_HOLD'));
    });

    it('suspends and resumes: on the CRL as certificateHold, then off it, with history by time', async () => {
      x.clock.set('2026-03-03T00:00:00Z');
      const issued = await pki.issue(request('authentication', { notBefore: x.clock.now() }));
      x.write('held.pem', pem(issued.der));
      await assert.rejects(pki.release(issued.serial, x.clock.now()), code('PKI_NOT_ON_HOLD'));

      x.clock.set('2026-03-04T00:00:00Z');
      await pki.hold(issued.serial, x.clock.now());
      await assert.rejects(pki.hold(issued.serial, x.clock.now()), code('PKI_ALREADY_REVOKED'));
      assert.deepEqual(await pki.status(issued.serial), {
        status: 'revoked',
        reason: 'certificateHold',
        revokedAt: new Date('2026-03-04T00:00:00Z'),
        notBefore: new Date('2026-03-03T00:00:00Z'),
        notAfter: new Date(FIVE_YEARS),
      });
      const held = await verifyWithCrl('held.pem', 'authentication');
      assert.match(held.out, /certificate revoked/);
      const text = await openssl(
        ['crl', '-inform', 'DER', '-in', 'authentication-crl.der', '-noout', '-text'],
        x.dir,
      );
      assert.match(text.out, /Certificate Hold/);

      x.clock.set('2026-03-05T00:00:00Z');
      await pki.release(issued.serial, x.clock.now());
      assert.equal((await pki.status(issued.serial)).status, 'good');
      const released = await verifyWithCrl('held.pem', 'authentication');
      assert.equal(released.code, 0, released.out);
      const after = await openssl(
        ['crl', '-inform', 'DER', '-in', 'authentication-crl.der', '-noout', '-text'],
        x.dir,
      );
      assert.doesNotMatch(after.out, new RegExp(issued.serial.toUpperCase()));

      const at = (iso: string) => pki.status(issued.serial, new Date(iso));
      assert.equal((await at('2026-03-03T12:00:00Z')).status, 'good');
      assert.equal((await at('2026-03-04T12:00:00Z')).reason, 'certificateHold');
      assert.equal((await at('2026-03-05T12:00:00Z')).status, 'good');

      // A suspension may end in revocation.
      x.clock.set('2026-03-06T00:00:00Z');
      await pki.revoke(issued.serial, 'certificateHold', x.clock.now());
      x.clock.set('2026-03-07T00:00:00Z');
      await pki.revoke(issued.serial, 'keyCompromise', x.clock.now());
      assert.equal((await pki.status(issued.serial)).reason, 'keyCompromise');
      assert.equal((await at('2026-03-06T12:00:00Z')).reason, 'certificateHold');
    });

    it('rejects status changes out of order, in the future, and for unknown serials', async () => {
      x.clock.set('2026-03-10T00:00:00Z');
      const issued = await pki.issue(request('authentication', { notBefore: x.clock.now() }));
      await assert.rejects(
        pki.hold(issued.serial, new Date('2026-03-10T00:00:01Z')),
        code('PKI_STATUS_TIME'),
      );
      await pki.hold(issued.serial, new Date('2026-03-09T00:00:00Z'));
      await assert.rejects(
        pki.release(issued.serial, new Date('2026-03-08T00:00:00Z')),
        code('PKI_STATUS_TIME'),
      );
      await assert.rejects(
        pki.revoke('00ff', 'keyCompromise', x.clock.now()),
        code('PKI_UNKNOWN_CERTIFICATE'),
      );
      await assert.rejects(
        pki.revoke(issued.serial, 'bogus' as 'unspecified', x.clock.now()),
        code('PKI_REASON'),
      );
      assert.deepEqual(await pki.status('00ff'), { status: 'unknown' });
    });

    it('serves the same CRL until a status change, in this process or another', async () => {
      const other = x.another();
      const first = await pki.crl('authentication');
      assert.deepEqual(await pki.crl('authentication'), first);
      assert.deepEqual(await other.crl('authentication'), first, 'the CRL is shared through the database');
      x.clock.set('2026-03-10T06:00:00Z');
      const issued = await other.issue(request('authentication', { notBefore: x.clock.now() }));
      await other.revoke(issued.serial, 'superseded', x.clock.now());
      const second = await pki.crl('authentication');
      assert.notDeepEqual(second, first, 'a revocation by another process is seen');
      x.write('second.der', second);
      const text = await openssl(['crl', '-inform', 'DER', '-in', 'second.der', '-noout', '-text'], x.dir);
      assert.match(text.out, new RegExp(issued.serial.toUpperCase()));
      assert.match(text.out, /Superseded/);
      const number = (crl: string) => Number(/CRL Number: \n\s+(\d+)/.exec(crl)?.[1]);
      x.write('first.der', first);
      const firstText = await openssl(
        ['crl', '-inform', 'DER', '-in', 'first.der', '-noout', '-text'],
        x.dir,
      );
      assert.ok(number(text.out) > number(firstText.out), 'CRL numbers grow');

      // Half a day later the CRL is reissued even without changes.
      x.clock.set('2026-03-10T18:00:01Z');
      const third = await pki.crl('authentication');
      x.write('third.der', third);
      const thirdText = await openssl(
        ['crl', '-inform', 'DER', '-in', 'third.der', '-noout', '-text'],
        x.dir,
      );
      assert.equal(number(thirdText.out), number(text.out) + 1);
      assert.match(thirdText.out, /Last Update: Mar 10 18:00:01 2026 GMT/);
    });

    it('drops expired certificates from the CRL', async () => {
      x.clock.set('2026-03-11T00:00:00Z');
      const issued = await pki.issue(
        request('authentication', { notBefore: x.clock.now(), notAfter: new Date('2026-03-12T00:00:00Z') }),
      );
      await pki.revoke(issued.serial, 'cessationOfOperation', x.clock.now());
      const listed = (crl: Uint8Array) => Buffer.from(crl).includes(Buffer.from(issued.serial, 'hex'));
      assert.equal(listed(await pki.crl('authentication')), true);
      x.clock.set('2026-03-12T00:00:01Z');
      await pki.hold(
        (await pki.issue(request('authentication', { notBefore: x.clock.now() }))).serial,
        x.clock.now(),
      );
      assert.equal(listed(await pki.crl('authentication')), false);
      assert.equal((await pki.status(issued.serial)).reason, 'cessationOfOperation', 'its history stays');
    });

    it('signs an empty CRL for the root', async () => {
      x.write('root-crl.der', await pki.crl('root'));
      const text = await openssl(
        ['crl', '-inform', 'DER', '-in', 'root-crl.der', '-noout', '-text', '-CAfile', 'root.pem'],
        x.dir,
      );
      assert.equal(text.code, 0, text.out);
      assert.match(text.out, /No Revoked Certificates/);
      assert.match(text.out, /verify OK/);
    });
  });
}
