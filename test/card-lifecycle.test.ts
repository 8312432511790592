import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signDocument } from '../src/card/index.ts';
import { createCardClient, VirtualChip } from '../src/chip/index.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { issueCard, issueCardNoPhoto, PINS, portrait } from './support/cards.ts';
import { openssl, writePem } from './support/openssl.ts';
import { clerk, person } from './support/registry.ts';
import { dialects } from './support/stores.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`the card's life on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let dir = '';
    let base = '';
    before(async () => {
      t = await createTestApp(dialect);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      dir = mkdtempSync(join(tmpdir(), 'myna-card-'));
    });
    after(async () => {
      await t?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const get = async (url: string) => {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      return r.rawPayload;
    };
    const verify = (signature: Uint8Array, content: Uint8Array) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/signatures/verify',
        payload: {
          signature: Buffer.from(signature).toString('base64'),
          content: Buffer.from(content).toString('base64'),
        },
      });

    it('issues a card whose chip signs documents that openssl and the API verify, and whose status OCSP and CRLs tell', async () => {
      const card = await issueCard(t);
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      const client = createCardClient(chip);
      const authCert = await client.readCertificate('authentication');
      const signCert = await client.readCertificate('signature', PINS.signature);
      const root = writePem(dir, 'root.pem', await get('/pki/ca/root.crt'));
      const signCa = writePem(dir, 'sign-ca.pem', await get('/pki/ca/signature.crt'));
      const authCa = writePem(dir, 'auth-ca.pem', await get('/pki/ca/authentication.crt'));
      const signLeaf = writePem(dir, 'sign.pem', signCert);
      const authLeaf = writePem(dir, 'auth.pem', authCert);

      // The signature certificate carries the four basic items; the authentication one nothing personal.
      const signText = (await openssl(['x509', '-in', signLeaf, '-noout', '-text'])).stdout;
      assert.match(signText, /Non Repudiation/);
      assert.ok(signText.includes('1.2.392.200149.8.5.5.1'), 'the name otherName');
      const authText = (await openssl(['x509', '-in', authLeaf, '-noout', '-text'])).stdout;
      assert.ok(!authText.includes('髙橋') && !authText.includes('200149.8.5.5.1'));

      // A document signed by the chip: openssl cms and our API both accept it.
      const doc = join(dir, 'doc.txt');
      writeFileSync(doc, '申請書 / application form\n');
      const signature = await signDocument(chip, PINS.signature, readFileSync(doc), t.system.clock.now());
      writeFileSync(join(dir, 'doc.p7s'), signature);
      const cms = await openssl([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        join(dir, 'doc.p7s'),
        '-content',
        doc,
        '-CAfile',
        root,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      assert.equal(cms.code, 0, cms.stderr);
      const verified = await verify(signature, readFileSync(doc));
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().valid, true);
      const tampered = await verify(signature, Buffer.from('forged'));
      assert.equal(tampered.statusCode, 400);
      assert.equal(tampered.json().code, 'CMS_CONTENT_MISMATCH');

      // OCSP over HTTP with openssl as the client: good.
      const ocsp = (cert: string, issuer: string, extra: string[] = []) =>
        openssl([
          'ocsp',
          '-issuer',
          issuer,
          '-cert',
          cert,
          '-url',
          `${base}/pki/ocsp`,
          '-CAfile',
          root,
          ...extra,
        ]);
      let r = await ocsp(signLeaf, signCa);
      assert.match(r.stdout, /: good/, r.stdout + r.stderr);
      assert.match(r.stderr, /Response verify OK/);
      r = await ocsp(authLeaf, authCa, ['-no_nonce']);
      assert.match(r.stdout, /: good/, r.stdout + r.stderr);

      // Lost: suspension shows in OCSP within a second, resumption brings it back.
      const clerkH = staffHeaders(t.tokens.clerk, 'card-lifecycle');
      const suspended = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/suspend?channel=phone`,
        headers: clerkH,
      });
      assert.equal(suspended.json().status, 'suspended', suspended.body);
      r = await ocsp(authLeaf, authCa, ['-no_nonce']);
      assert.match(r.stdout, /: revoked/);
      assert.match(r.stdout, /certificateHold/);
      // Whoever holds a lost card could write any signing time: while it is on hold no
      // signature from it verifies, even one dated before the loss.
      const onHold = await verify(signature, readFileSync(doc));
      assert.equal(onHold.json().code, 'CMS_REVOKED');
      const resumed = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/resume`,
        headers: clerkH,
      });
      assert.equal(resumed.json().status, 'active');
      r = await ocsp(authLeaf, authCa, ['-no_nonce']);
      assert.match(r.stdout, /: good/);

      // A move revokes the signature certificate through the outbox; authentication survives.
      const signedBeforeMove = t.system.clock.now();
      (t.system.clock as unknown as { set(to: Date): void }).set(
        new Date(signedBeforeMove.getTime() + 60_000),
      );
      await t.system.registry.recordEvent(
        card.residentId,
        {
          kind: 'move',
          effectiveDate: '2026-04-01',
          changes: { address: '東京都千代田区丸の内1丁目1番1号', postalCode: '1000005' },
        },
        clerk,
      );
      assert.ok((await t.system.dispatch()).delivered >= 1);
      r = await ocsp(signLeaf, signCa);
      assert.match(r.stdout, /: revoked/);
      assert.match(r.stdout, /affiliationChanged/);
      r = await ocsp(authLeaf, authCa);
      assert.match(r.stdout, /: good/);
      // Delivered twice (at least once): nothing changes, nothing fails.
      assert.equal((await t.system.cards.cards.get(card.cardId)).status, 'active');

      // The CRL says the same to openssl verify.
      writePem(dir, 'sign.crl.pem', await get('/pki/crl/signature.crl'), 'X509 CRL');
      const crlCheck = await openssl([
        'verify',
        '-attime',
        String(Math.floor(t.system.clock.now().getTime() / 1000)),
        '-crl_check',
        '-CAfile',
        root,
        '-untrusted',
        signCa,
        '-CRLfile',
        join(dir, 'sign.crl.pem'),
        signLeaf,
      ]);
      assert.notEqual(crlCheck.code, 0);
      assert.match(crlCheck.stdout + crlCheck.stderr, /certificate revoked/);
      writePem(dir, 'auth.crl.pem', await get('/pki/crl/authentication.crl'), 'X509 CRL');
      const authCrl = await openssl([
        'verify',
        '-attime',
        String(Math.floor(t.system.clock.now().getTime() / 1000)),
        '-crl_check',
        '-CAfile',
        root,
        '-untrusted',
        authCa,
        '-CRLfile',
        join(dir, 'auth.crl.pem'),
        authLeaf,
      ]);
      assert.equal(authCrl.code, 0, authCrl.stdout + authCrl.stderr);

      // Made before the move, the signature still verifies (status at signing time);
      // the chip can no longer make a valid one.
      const still = await verify(signature, readFileSync(doc));
      assert.equal(still.statusCode, 200, still.body);
      const late = await signDocument(chip, PINS.signature, readFileSync(doc), t.system.clock.now());
      const lateCheck = await verify(late, readFileSync(doc));
      assert.equal(lateCheck.statusCode, 400);
      assert.equal(lateCheck.json().code, 'CMS_REVOKED');

      // Death ends the card and its remaining certificate.
      await t.system.registry.recordEvent(
        card.residentId,
        { kind: 'death', effectiveDate: '2026-04-01' },
        clerk,
      );
      await t.system.dispatch();
      const ended = await t.system.cards.cards.get(card.cardId);
      assert.equal(ended.status, 'revoked');
      assert.equal(ended.endReason, 'death');
      r = await ocsp(authLeaf, authCa);
      assert.match(r.stdout, /: revoked/);
    });

    it('answers OCSP for a certificate it never issued with unknown, and garbage with malformedRequest', async () => {
      const other = join(dir, 'other.key');
      await openssl([
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        other,
        '-out',
        join(dir, 'other.pem'),
        '-subj',
        '/CN=other',
        '-days',
        '1',
      ]);
      const post = await fetch(`${base}/pki/ocsp`, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body: Buffer.from('not an OCSP request'),
      });
      assert.equal(post.status, 200);
      writeFileSync(join(dir, 'bad.der'), Buffer.from(await post.arrayBuffer()));
      const parsed = await openssl(['ocsp', '-respin', join(dir, 'bad.der'), '-resp_text', '-noverify']);
      assert.match(parsed.stdout + parsed.stderr, /malformedrequest/i);
      // GET with the request in the path (RFC 6960 appendix A), for a serial nobody issued.
      const caPem = writePem(
        dir,
        'ca-get.pem',
        Buffer.from(await (await fetch(`${base}/pki/ca/authentication.crt`)).arrayBuffer()),
      );
      await openssl([
        'ocsp',
        '-issuer',
        caPem,
        '-serial',
        '0x4242',
        '-no_nonce',
        '-reqout',
        join(dir, 'get.der'),
      ]);
      const path = encodeURIComponent(readFileSync(join(dir, 'get.der')).toString('base64'));
      const viaGet = await fetch(`${base}/pki/ocsp/${path}`);
      assert.equal(viaGet.headers.get('content-type'), 'application/ocsp-response');
      writeFileSync(join(dir, 'get-resp.der'), Buffer.from(await viaGet.arrayBuffer()));
      const got = await openssl([
        'ocsp',
        '-respin',
        join(dir, 'get-resp.der'),
        '-reqin',
        join(dir, 'get.der'),
        '-CAfile',
        caPem,
        '-partial_chain',
        '-resp_text',
      ]);
      assert.match(got.stdout, /Cert Status: unknown/, got.stdout + got.stderr);
      assert.match(got.stderr, /Response verify OK/);
      const wrongType = await fetch(`${base}/pki/ocsp`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      });
      assert.equal(wrongType.status, 415);
      const missing = await t.app.inject({ method: 'GET', url: '/pki/crl/nope.crl' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'PKI_UNKNOWN_CA');
    });

    it('rejects bad applications and hand-overs with stable codes and changes nothing', async () => {
      const outcome = await t.system.registry.register(
        person({ givenName: '花子', sex: 'female', birthDate: '1990-05-05' }),
        clerk,
      );
      const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
      let code = '';
      for await (const i of t.system.cards.applications.invite({ actor: clerk }))
        if (i.resident.id === residentId) code = i.code;
      const apply = (payload: Record<string, unknown>) =>
        t.app.inject({ method: 'POST', url: '/v1/card-applications', payload });
      let r = await apply({
        applicationCode: code,
        photo: Buffer.from('definitely not a jpeg').toString('base64'),
      });
      assert.equal(r.statusCode, 415, r.body);
      assert.equal(r.json().code, 'CARD_PHOTO_FORMAT');
      const jpeg = await portrait();
      r = await apply({ applicationCode: code, photo: jpeg.subarray(0, 400).toString('base64') });
      assert.equal(r.json().code, 'CARD_PHOTO_CORRUPT');
      r = await apply({ applicationCode: code });
      assert.equal(r.json().code, 'CARD_PHOTO_REQUIRED');
      r = await apply({ applicationCode: '1'.repeat(23), photo: jpeg.toString('base64') });
      assert.equal(r.statusCode, 404);
      r = await apply({ number: '123456789018', birthDate: '1990-05-05', photo: jpeg.toString('base64') });
      assert.equal(r.json().code, 'CARD_IDENTITY_MISMATCH');
      // Without a photo, a right and a wrong birth date get the same answer.
      const number = await t.system.registry.revealNumber(residentId, clerk);
      const right = await apply({ number, birthDate: '1990-05-05' });
      const wrong = await apply({ number, birthDate: '1990-05-06' });
      assert.deepEqual(
        [right.json().code, wrong.json().code],
        ['CARD_PHOTO_REQUIRED', 'CARD_PHOTO_REQUIRED'],
      );
      r = await t.app.inject({
        method: 'POST',
        url: '/v1/card-applications',
        headers: { 'content-type': 'text/csv' },
        payload: Buffer.alloc(200_000),
      });
      assert.equal(r.statusCode, 415);
      assert.equal(
        (await t.system.cards.applications.list({ limit: 500 })).filter((a) => a.residentId === residentId)
          .length,
        0,
      );
      // A good application, then a second one for the same person is refused.
      r = await apply({ applicationCode: code, photo: jpeg.toString('base64') });
      assert.equal(r.statusCode, 201);
      assert.deepEqual(Object.keys(r.json()).sort(), ['appliedAt', 'id', 'status', 'withPhoto']);
      const id = r.json().id as string;
      r = await apply({ applicationCode: code, photo: jpeg.toString('base64') });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().code, 'CARD_APPLICATION_EXISTS');
      // Rejection needs a reason, and the resident reads it.
      const h = staffHeaders(t.tokens.clerk);
      r = await t.app.inject({
        method: 'POST',
        url: `/v1/card-applications/${id}/decision`,
        headers: h,
        payload: { approve: false },
      });
      assert.equal(r.json().code, 'CARD_REASON_REQUIRED');
      r = await t.app.inject({
        method: 'POST',
        url: `/v1/card-applications/${id}/decision`,
        headers: h,
        payload: { approve: false, reason: '写真が不鮮明です / the photo is blurred' },
      });
      assert.equal(r.json().status, 'rejected');
      r = await t.app.inject({
        method: 'POST',
        url: '/v1/card-applications/status',
        payload: { applicationId: id },
      });
      assert.deepEqual(
        [r.json().status, r.json().reason],
        ['rejected', '写真が不鮮明です / the photo is blurred'],
      );
      r = await t.app.inject({
        method: 'POST',
        url: `/v1/card-applications/${id}/produce`,
        headers: staffHeaders(t.tokens.supervisor),
      });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().code, 'CARD_APPLICATION_STATE');
    });

    it('gives a child under 15 no signature certificate and a baby a card without a photo', async () => {
      const baby = await issueCardNoPhoto(t, person({ givenName: '小太郎', birthDate: '2025-12-01' }));
      const chip = await VirtualChip.open(baby.cardFile, baby.cardKey);
      const certs = await t.system.pki.certificatesOf(baby.cardId);
      assert.deepEqual(certs.map((c) => c.kind).sort(), ['authentication']);
      const client = createCardClient(chip);
      await assert.rejects(client.readCertificate('signature', 'ANYPASS1'));
      const face = await client.readFace({ collationA: await client.readNumber('5678') });
      assert.ok(face.photo === undefined || face.photo.length === 0);
      assert.equal((await t.system.cards.cards.get(baby.cardId)).expiresOn, '2030-12-01');
    });

    it('refuses hand-over without an identity check or with malformed PINs, and keeps the card ready', async () => {
      const outcome = await t.system.registry.register(
        person({ givenName: '三郎', birthDate: '1975-07-07' }),
        clerk,
      );
      const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
      const application = await t.system.cards.applications.apply({
        number: await t.system.registry.revealNumber(residentId, clerk),
        birthDate: '1975-07-07',
        photo: await portrait(),
      });
      await t.system.cards.applications.decide(application.id, { approve: true }, clerk);
      const card = await t.system.cards.cards.produce(application.id, clerk);
      await t.system.cards.cards.markReady(card.id, clerk);
      const h = staffHeaders(t.tokens.clerk);
      let r = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.id}/hand-over`,
        headers: h,
        payload: { identityConfirmed: false, pins: PINS },
      });
      assert.equal(r.json().code, 'CARD_IDENTITY_NOT_CONFIRMED');
      r = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.id}/hand-over`,
        headers: h,
        payload: { identityConfirmed: true, pins: { ...PINS, authentication: '12a4', signature: 'x' } },
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, 'CARD_PIN_FORMAT');
      assert.deepEqual(
        r
          .json()
          .details.map((d: { at: string }) => d.at)
          .sort(),
        ['pins.authentication', 'pins.signature'],
      );
      assert.equal((await t.system.cards.cards.get(card.id)).status, 'ready');
      assert.deepEqual(await t.system.pki.certificatesOf(card.id), []);
    });
  });
}

describe('the online application page', () => {
  it('serves the page the letter’s QR code opens, locked down by a content security policy', async () => {
    const t = await createTestApp('sqlite');
    try {
      const r = await t.app.inject({ method: 'GET', url: '/apply?id=12345678901234567890123' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
      assert.match(r.body, /申請書ID/);
      assert.match(r.body, /\/v1\/card-applications/);
      assert.ok(!t.log().includes('12345678901234567890123'), 'the application code stays out of the log');
    } finally {
      await t.dispose();
    }
  });
});
