import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerChallenge } from '../src/card/index.ts';
import { VirtualChip } from '../src/chip/index.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { issueCard, PINS } from './support/cards.ts';
import { openssl } from './support/openssl.ts';
import { dialects } from './support/stores.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`signing in with the card on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let card: Awaited<ReturnType<typeof issueCard>>;
    let chip: VirtualChip;
    before(async () => {
      t = await createTestApp(dialect);
      card = await issueCard(t, { givenName: '十郎', birthDate: '1988-12-12' });
      chip = await VirtualChip.open(card.cardFile, card.cardKey);
    });
    after(() => t?.dispose());

    const challenge = async (audience = 'https://portal.myna.example') => {
      const r = await t.app.inject({ method: 'POST', url: '/v1/auth/card/challenge', payload: { audience } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { challengeId: string; audience: string; message: string };
    };
    const answer = async (message: string, pin = PINS.authentication) => {
      const a = await answerChallenge(chip, pin, Buffer.from(message, 'base64'));
      return {
        certificate: Buffer.from(a.certificate).toString('base64'),
        signature: Buffer.from(a.signature).toString('base64'),
      };
    };
    const verify = (payload: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/card/verify', payload });

    it('signs in: the chip signs the audience-bound challenge after the PIN; the answer names the card, never the number', async () => {
      const c = await challenge();
      const number = await t.system.registry.revealNumber(card.residentId, {
        id: 't',
        role: 'clerk',
        purpose: 'test',
      });
      const r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        ...(await answer(c.message)),
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { cardId: card.cardId, residentId: card.residentId });
      assert.ok(!r.body.includes(number) && !t.log().includes(number));
      // The same answer again is a replay.
      const again = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        ...(await answer(c.message)),
      });
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().code, 'AUTH_CHALLENGE_REPLAYED');
    });

    it('refuses another audience, an expired or unknown challenge, and a forged signature', async () => {
      const c = await challenge('https://library.example');
      const signed = await answer(c.message);
      let r = await verify({
        challengeId: c.challengeId,
        audience: 'https://portal.myna.example',
        ...signed,
      });
      assert.equal(r.json().code, 'AUTH_AUDIENCE_MISMATCH');
      r = await verify({ challengeId: 'nope', audience: c.audience, ...signed });
      assert.equal(r.json().code, 'AUTH_CHALLENGE_UNKNOWN');
      const other = await challenge('https://library.example');
      r = await verify({ challengeId: other.challengeId, audience: other.audience, ...signed });
      assert.equal(r.json().code, 'AUTH_SIGNATURE_INVALID', 'a signature over another challenge');
      const clock = t.system.clock as unknown as { set(to: Date): void };
      const late = await challenge();
      const lateAnswer = await answer(late.message);
      clock.set(new Date(t.system.clock.now().getTime() + 121_000));
      r = await verify({ challengeId: late.challengeId, audience: late.audience, ...lateAnswer });
      assert.equal(r.json().code, 'AUTH_CHALLENGE_EXPIRED');
      r = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/card/challenge',
        payload: { audience: 'bad audience!' },
      });
      assert.equal(r.json().code, 'AUTH_AUDIENCE_INVALID');
    });

    it('refuses a certificate from another CA and a malformed one', async () => {
      const c = await challenge();
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const dir = mkdtempSync(join(tmpdir(), 'myna-auth-'));
      writeFileSync(join(dir, 'k.pem'), key);
      await openssl([
        'req',
        '-x509',
        '-key',
        `${dir}/k.pem`,
        '-out',
        `${dir}/c.der`,
        '-outform',
        'DER',
        '-subj',
        '/CN=forger',
        '-days',
        '1',
      ]);
      const foreign = readFileSync(join(dir, 'c.der'));
      rmSync(dir, { recursive: true, force: true });
      const signature = sign('sha256', Buffer.from(c.message, 'base64'), privateKey);
      let r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        certificate: foreign.toString('base64'),
        signature: signature.toString('base64'),
      });
      assert.equal(r.json().code, 'AUTH_CERTIFICATE_UNTRUSTED');
      r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        certificate: 'AAAA',
        signature: 'AAAA',
      });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, 'AUTH_CERTIFICATE_MALFORMED');
    });

    it('refuses a suspended card, a revoked one, and a card whose PIN is locked never answers', async () => {
      const h = staffHeaders(t.tokens.clerk, 'card-lifecycle');
      await t.app.inject({ method: 'POST', url: `/v1/cards/${card.cardId}/suspend`, headers: h });
      let c = await challenge();
      let r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        ...(await answer(c.message)),
      });
      assert.equal(r.json().code, 'AUTH_CARD_SUSPENDED');
      await t.app.inject({ method: 'POST', url: `/v1/cards/${card.cardId}/resume`, headers: h });
      for (let i = 0; i < 3; i++) await answer(c.message, '0000').catch(() => undefined);
      await assert.rejects(answer(c.message), { code: 'CHIP_PIN_LOCKED' });
      await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/revoke`,
        headers: h,
        payload: { reason: 'lost' },
      });
      const fresh = await VirtualChip.open(card.cardFile, card.cardKey);
      c = await challenge();
      const a = await answerChallenge(fresh, PINS.authentication, Buffer.from(c.message, 'base64'));
      r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        certificate: Buffer.from(a.certificate).toString('base64'),
        signature: Buffer.from(a.signature).toString('base64'),
      });
      assert.equal(r.json().code, 'AUTH_CERTIFICATE_REVOKED');
    });
  });
}
