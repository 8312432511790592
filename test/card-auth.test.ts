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
      assert.deepEqual(r.json(), {
        cardId: card.cardId,
        residentId: card.residentId,
        expiresAt: new Date(t.system.clock.now().getTime() + 8 * 3_600_000).toISOString(),
      });
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

    const signIn = async (): Promise<string> => {
      const c = await challenge();
      const r = await verify({
        challengeId: c.challengeId,
        audience: c.audience,
        ...(await answer(c.message)),
      });
      assert.equal(r.statusCode, 200, r.body);
      const cookie = String(r.headers['set-cookie']);
      assert.match(cookie, /^myna_session=mys_[A-Za-z0-9_-]{43};/);
      for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', 'Max-Age=28800'])
        assert.ok(cookie.includes(attribute), `${attribute} in ${cookie}`);
      return /myna_session=([^;]+)/.exec(cookie)![1]!;
    };
    const me = (token?: string) =>
      t.app.inject({
        method: 'GET',
        url: '/v1/me',
        ...(token === undefined ? {} : { cookies: { myna_session: token } }),
      });

    it('keeps a session in an HttpOnly cookie: idle and absolute timeouts, rotation, sign-out everywhere', async () => {
      const clock = t.system.clock as unknown as { set(to: Date): void };
      const start = t.system.clock.now().getTime();
      const at = (minutes: number) => clock.set(new Date(start + minutes * 60_000));
      let token = await signIn();
      assert.ok(!t.log().includes(token), 'the token is not logged');
      assert.equal((await me()).json().code, 'AUTH_SESSION_REQUIRED');
      let r = await me(token);
      assert.deepEqual([r.statusCode, r.json().residentId], [200, card.residentId]);
      // Rotation after 15 minutes of use: the old token stops working.
      at(16);
      r = await me(token);
      const rotated = /myna_session=([^;]+)/.exec(String(r.headers['set-cookie']))?.[1];
      assert.ok(rotated !== undefined && rotated !== token);
      assert.equal((await me(token)).json().code, 'AUTH_SESSION_ENDED');
      token = rotated;
      // Idle for more than 30 minutes: over.
      at(16 + 31);
      assert.equal((await me(token)).json().code, 'AUTH_SESSION_EXPIRED');
      // In constant use, still over after 8 hours.
      at(0);
      token = await signIn();
      for (let m = 20; m < 8 * 60; m += 20) {
        at(m);
        r = await me(token);
        assert.equal(r.statusCode, 200, `at ${m} min`);
        token = /myna_session=([^;]+)/.exec(String(r.headers['set-cookie']))?.[1] ?? token;
      }
      at(8 * 60 + 1);
      assert.equal((await me(token)).json().code, 'AUTH_SESSION_EXPIRED');
      // Sign-out ends one session; sign-out everywhere ends the rest.
      at(0);
      const a = await signIn();
      const b = await signIn();
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-out',
        cookies: { myna_session: a },
      });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /myna_session=;/);
      assert.equal((await me(a)).json().code, 'AUTH_SESSION_ENDED');
      const c = await signIn();
      const all = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-out-everywhere',
        cookies: { myna_session: b },
      });
      assert.ok(all.json().ended >= 2);
      for (const x of [b, c]) assert.equal((await me(x)).json().code, 'AUTH_SESSION_ENDED');
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
