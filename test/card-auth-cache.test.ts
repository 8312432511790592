import 'reflect-metadata';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { type CardAuthenticator, createCardAuthenticator } from '../src/auth/index.ts';
import { answerChallenge } from '../src/card/index.ts';
import { VirtualChip } from '../src/chip/index.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { issueCard, PINS } from './support/cards.ts';
import { dialects } from './support/stores.ts';

/**
 * The authenticator keeps parsed certificates that chain to the authentication CA (by
 * the SHA-256 of their bytes). These tests show what the cache must never do: vouch for
 * a certificate it has not checked, or stand in for the CA's record of its status.
 */
const AUDIENCE = 'https://portal.myna.example';

for (const { dialect, skip } of await dialects()) {
  describe(`card sign-in with parsed certificates kept, on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let auth: CardAuthenticator;
    let chips: VirtualChip[];
    before(async () => {
      t = await createTestApp(dialect);
      auth = t.system.cardAuth;
      const cards = [
        await issueCard(t, { givenName: '一郎', birthDate: '1980-01-01' }),
        await issueCard(t, { givenName: '二郎', birthDate: '1981-02-02' }),
        await issueCard(t, { givenName: '三郎', birthDate: '1982-03-03' }),
      ];
      chips = await Promise.all(cards.map((c) => VirtualChip.open(c.cardFile, c.cardKey)));
    });
    after(() => t?.dispose());

    const clock = () => t.system.clock as unknown as { now(): Date; set(to: Date): void };
    /** A fresh challenge and the chip's answer to it. */
    const answered = async (chip: VirtualChip, authenticator = auth) => {
      const c = await authenticator.challenge(AUDIENCE);
      const a = await answerChallenge(chip, PINS.authentication, c.message);
      return { challengeId: c.challengeId, audience: c.audience, ...a };
    };
    const refused = async (promise: Promise<unknown>, code: string) =>
      assert.rejects(promise, (e: { code?: string }) => {
        assert.equal(e.code, code);
        return true;
      });

    it('reads the status afresh on every sign-in: a cached certificate on hold or revoked is refused at once', async () => {
      const chip = chips[0]!;
      const first = await auth.verify(await answered(chip));
      // Cached now; a suspension applies to the very next sign-in.
      await t.system.pki.hold(first.serial, clock().now());
      await refused(auth.verify(await answered(chip)), 'AUTH_CARD_SUSPENDED');
      await t.system.pki.release(first.serial, clock().now());
      assert.equal((await auth.verify(await answered(chip))).cardId, first.cardId);
      await t.system.pki.revoke(first.serial, 'keyCompromise', clock().now());
      await refused(auth.verify(await answered(chip)), 'AUTH_CERTIFICATE_REVOKED');
    });

    it('checks validity against the clock each time, not when the certificate was cached', async () => {
      const chip = chips[1]!;
      await auth.verify(await answered(chip));
      const now = clock().now();
      try {
        clock().set(new Date(now.getTime() + 20 * 365 * 86_400_000));
        await refused(auth.verify(await answered(chip)), 'AUTH_CERTIFICATE_EXPIRED');
      } finally {
        clock().set(now);
      }
      await auth.verify(await answered(chip));
    });

    it('never trusts a certificate the CA did not sign, even one copying a cached one’s serial, names and extensions', async () => {
      const chip = chips[1]!;
      const genuine = await answered(chip);
      const real = new x509.X509Certificate(genuine.certificate);
      const keys = await crypto.subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      );
      const forged = await x509.X509CertificateGenerator.create({
        serialNumber: real.serialNumber,
        issuer: real.issuer,
        subject: real.subject,
        notBefore: real.notBefore,
        notAfter: real.notAfter,
        extensions: real.extensions,
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
      });
      const forgedAnswer = async () => {
        const c = await auth.challenge(AUDIENCE);
        const signature = new Uint8Array(
          await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.privateKey, c.message),
        );
        return {
          challengeId: c.challengeId,
          audience: c.audience,
          certificate: new Uint8Array(forged.rawData),
          signature,
        };
      };
      await refused(auth.verify(await forgedAnswer()), 'AUTH_CERTIFICATE_UNTRUSTED');
      // The genuine certificate is cached by this sign-in …
      await auth.verify(genuine);
      // … and the forgery, asked about again and again, is still refused.
      for (let i = 0; i < 2; i++)
        await refused(auth.verify(await forgedAnswer()), 'AUTH_CERTIFICATE_UNTRUSTED');
      // The cache never stands in for the signature: the genuine certificate with a
      // signature by another key is refused.
      const c = await auth.challenge(AUDIENCE);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await refused(
        auth.verify({
          challengeId: c.challengeId,
          audience: c.audience,
          certificate: genuine.certificate,
          signature: sign('sha256', c.message, privateKey),
        }),
        'AUTH_SIGNATURE_INVALID',
      );
    });

    it('reports a problem with the challenge before one with the certificate, as before', async () => {
      const chip = chips[1]!;
      const a = await answered(chip);
      await auth.verify(a);
      // Used already, and now with a forged signature: the replay is what is reported.
      await refused(auth.verify({ ...a, signature: new Uint8Array(256) }), 'AUTH_CHALLENGE_REPLAYED');
      await refused(auth.verify({ ...a, audience: 'https://other.example' }), 'AUTH_AUDIENCE_MISMATCH');
      await refused(auth.verify({ ...a, challengeId: 'unknown' }), 'AUTH_CHALLENGE_UNKNOWN');
      const late = await answered(chip);
      const now = clock().now();
      try {
        clock().set(new Date(now.getTime() + 121_000));
        await refused(auth.verify({ ...late, signature: new Uint8Array(256) }), 'AUTH_CHALLENGE_EXPIRED');
        await refused(auth.verify(late), 'AUTH_CHALLENGE_EXPIRED');
      } finally {
        clock().set(now);
      }
      // A malformed certificate is still reported first of all.
      await refused(
        auth.verify({ ...a, certificate: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) }),
        'AUTH_CERTIFICATE_MALFORMED',
      );
    });

    it('uses a challenge once even when the same answer arrives many times at once', async () => {
      const a = await answered(chips[2]!);
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => auth.verify(a)));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes)
        if (o.status === 'rejected')
          assert.equal((o.reason as { code: string }).code, 'AUTH_CHALLENGE_REPLAYED');
    });

    it('keeps at most the configured number of certificates and still signs everyone in', async () => {
      const small = createCardAuthenticator({
        db: t.system.store.db,
        clock: t.system.clock,
        pki: t.system.pki,
        certificateCacheSize: 1,
      });
      const [one, two] = [chips[1]!, chips[2]!];
      const ids = [];
      for (const chip of [one, two, one, two, one])
        ids.push((await small.verify(await answered(chip, small))).cardId);
      assert.equal(new Set(ids).size, 2);
      assert.deepEqual([ids[0], ids[2], ids[4]], [ids[0], ids[0], ids[0]]);
    });
  });
}
