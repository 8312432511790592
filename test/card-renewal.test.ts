import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signDocument } from '../src/card/index.ts';
import { CardClientError, createCardClient, VirtualChip } from '../src/chip/index.ts';
import { certificateHolder } from '../src/pki/index.ts';
import { createTestApp, staffHeaders, type TestApp } from './support/app.ts';
import { issueCard, issueCardNoPhoto, PINS, portrait } from './support/cards.ts';
import { clerk, person } from './support/registry.ts';
import { dialects } from './support/stores.ts';

for (const { dialect, skip } of await dialects()) {
  describe(`renewal, PIN reset and expiry on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t?.dispose());
    const setClock = (at: string) => (t.system.clock as unknown as { set(to: string): void }).set(at);
    const h = () => staffHeaders(t.tokens.clerk, 'card-lifecycle');

    it('locks a PIN after three wrong tries and unlocks it only at the counter', async () => {
      const card = await issueCard(t, { givenName: '四郎', birthDate: '1970-10-10' });
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      const client = createCardClient(chip);
      for (const left of [2, 1, 0]) {
        const error = await client.verifyPin('authentication', '0000').catch((e: unknown) => e);
        assert.ok(error instanceof CardClientError);
        assert.equal(error.code, left === 0 ? 'CHIP_PIN_LOCKED' : 'CHIP_PIN_WRONG');
      }
      // Locked: even the right PIN is refused.
      await assert.rejects(client.verifyPin('authentication', PINS.authentication), {
        code: 'CHIP_PIN_LOCKED',
      });
      const file = Buffer.from(await chip.save(card.cardKey)).toString('base64');
      const key = card.cardKey.toString('base64url');
      const resetPin = (changes: Record<string, unknown>) =>
        t.app.inject({
          method: 'POST',
          url: `/v1/cards/${card.cardId}/reset-pin`,
          headers: h(),
          payload: {
            cardFile: file,
            cardKey: key,
            pin: 'authentication',
            value: '9999',
            identityConfirmed: true,
            ...changes,
          },
        });
      let r = await resetPin({ identityConfirmed: false });
      assert.equal(r.json().code, 'CARD_IDENTITY_NOT_CONFIRMED');
      r = await resetPin({ cardKey: Buffer.alloc(32).toString('base64url') });
      assert.equal(r.json().code, 'CARD_FILE_INVALID');
      r = await resetPin({});
      assert.equal(r.statusCode, 200, r.body);
      const reset = await VirtualChip.open(Buffer.from(r.json().cardFile, 'base64'), card.cardKey);
      assert.deepEqual(reset.pinStatus('authentication'), { triesLeft: 3, locked: false });
      await createCardClient(reset).verifyPin('authentication', '9999');
    });

    it('renews certificates from three months before expiry, superseding the old ones', async () => {
      setClock('2026-04-01T03:00:00Z');
      const card = await issueCard(t, { givenName: '五郎', birthDate: '1980-06-15' });
      const before = await t.system.pki.certificatesOf(card.cardId);
      assert.equal(before.length, 2);
      assert.equal((await t.system.cards.cards.get(card.cardId)).certificatesExpireOn, '2030-06-15');
      const payload = {
        cardFile: card.cardFile.toString('base64'),
        cardKey: card.cardKey.toString('base64url'),
      };
      // Holding a card in use, nobody applies for another online (a replacement would
      // supersede it); and a suspended card is not renewed.
      const number = await t.system.registry.revealNumber(card.residentId, clerk);
      await assert.rejects(
        t.system.cards.applications.apply({ number, birthDate: '1980-06-15', photo: await portrait() }),
        { code: 'CARD_HOLDS_CARD' },
      );
      await t.system.cards.cards.suspend(card.cardId, { channel: 'phone' }, clerk);
      const suspended = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/renew-certificates`,
        headers: h(),
        payload,
      });
      assert.equal(suspended.json().code, 'CARD_STATE');
      await t.system.cards.cards.resume(card.cardId, clerk);
      let r = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/renew-certificates`,
        headers: h(),
        payload,
      });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().code, 'CARD_RENEWAL_TOO_EARLY');
      setClock('2030-04-01T03:00:00Z');
      r = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/renew-certificates`,
        headers: h(),
        payload,
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(
        r.json().card.certificatesExpireOn,
        '2035-06-15',
        'the 6th birthday: renewed in the last three months',
      );
      for (const old of before) {
        const s = await t.system.pki.status(old.serial);
        assert.deepEqual([s.status, s.reason], ['revoked', 'superseded']);
      }
      const renewed = await VirtualChip.open(Buffer.from(r.json().cardFile, 'base64'), card.cardKey);
      const doc = Buffer.from('renewed');
      const signature = await signDocument(renewed, PINS.signature, doc, t.system.clock.now());
      const verified = await t.system.cards.verifySignature(signature, doc);
      assert.ok(!before.some((c) => c.serial === verified.signer.serial), 'signed with the new certificate');
    });

    it('issues a new signature certificate at the counter after a move revoked the old one', async () => {
      setClock('2026-04-01T03:00:00Z');
      const card = await issueCard(t, { givenName: '八郎', birthDate: '1985-08-08' });
      await t.system.registry.recordEvent(
        card.residentId,
        {
          kind: 'move',
          effectiveDate: '2026-04-01',
          changes: { address: '東京都千代田区永田町1丁目7番1号' },
        },
        clerk,
      );
      await t.system.dispatch();
      const r = await t.app.inject({
        method: 'POST',
        url: `/v1/cards/${card.cardId}/renew-certificates`,
        headers: h(),
        payload: { cardFile: card.cardFile.toString('base64'), cardKey: card.cardKey.toString('base64url') },
      });
      assert.equal(r.statusCode, 200, r.body);
      const chip = await VirtualChip.open(Buffer.from(r.json().cardFile, 'base64'), card.cardKey);
      const der = await createCardClient(chip).readCertificate('signature', PINS.signature);
      assert.equal(certificateHolder(der)?.address, '東京都千代田区永田町1丁目7番1号');
      const live = [];
      for (const c of await t.system.pki.certificatesOf(card.cardId))
        if ((await t.system.pki.status(c.serial)).status === 'good') live.push(c.kind);
      assert.deepEqual(
        live.sort(),
        ['authentication', 'signature'],
        'the authentication certificate was kept',
      );
      const doc = Buffer.from('after the move');
      await t.system.cards.verifySignature(
        await signDocument(chip, PINS.signature, doc, t.system.clock.now()),
        doc,
      );
    });

    it('hands over a renewed card, which supersedes the old one; expired cards are marked', async () => {
      setClock('2026-04-01T03:00:00Z');
      const first = await issueCard(t, { givenName: '六郎', birthDate: '1960-01-20' });
      const child = await issueCardNoPhoto(
        t,
        person({ givenName: '七子', sex: 'female', birthDate: '2025-09-09' }),
      );
      setClock('2035-12-01T03:00:00Z');
      const number = await t.system.registry.revealNumber(first.residentId, clerk);
      const application = await t.system.cards.applications.apply({
        number,
        birthDate: '1960-01-20',
        photo: await portrait(),
      });
      await t.system.cards.applications.decide(application.id, { approve: true }, clerk);
      const next = await t.system.cards.cards.produce(application.id, clerk);
      assert.equal(
        (await t.system.cards.cards.get(first.cardId)).status,
        'active',
        'the old card works until the new one is handed over',
      );
      await t.system.cards.cards.markReady(next.id, clerk);
      await t.system.cards.cards.handOver(next.id, { identityConfirmed: true, pins: PINS }, clerk);
      const old = await t.system.cards.cards.get(first.cardId);
      assert.deepEqual([old.status, old.endReason], ['revoked', 'superseded']);
      for (const c of await t.system.pki.certificatesOf(first.cardId))
        assert.equal((await t.system.pki.status(c.serial)).status, 'revoked');
      assert.equal((await t.system.cards.cards.get(child.cardId)).status, 'active');
      assert.ok((await t.system.cards.cards.expireDue(clerk)) >= 1);
      const expired = await t.system.cards.cards.get(child.cardId);
      assert.deepEqual([expired.status, expired.endReason], ['expired', 'expired']);
      assert.equal((await t.system.cards.cards.get(next.id)).status, 'active');
    });
  });
}

describe('the public application routes are rate limited', () => {
  it('answers 429 with Retry-After beyond MYNA_RATE_LIMIT requests a minute', async () => {
    const t = await createTestApp('sqlite', { MYNA_RATE_LIMIT: '3' });
    try {
      const ask = () =>
        t.app.inject({
          method: 'POST',
          url: '/v1/card-applications/status',
          payload: { applicationId: '01900000-0000-7000-8000-000000000000' },
        });
      for (let i = 0; i < 3; i++) assert.equal((await ask()).statusCode, 404);
      const limited = await ask();
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    } finally {
      await t.dispose();
    }
  });
});
