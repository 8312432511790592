import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerChallenge } from '../src/card/index.ts';
import { createCardClient, VirtualChip } from '../src/chip/index.ts';
import type { Actor } from '../src/core/index.ts';
import { createConfirmations } from '../src/insurance/index.ts';
import { keyRingFromSecret } from '../src/keys/index.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { issueCard, PINS } from './support/cards.ts';
import { dialects } from './support/stores.ts';

/**
 * A confirmation's reads and writes are one transaction (issue 5, performance): the
 * register read's access record, the confirmation's access record, its row and the
 * clinic's pseudonym commit together or not at all; the pseudonym is written only on
 * the clinic's first confirmation of the patient.
 */
const INSURER = '01130012';

for (const { dialect, skip } of await dialects()) {
  describe(`qualification confirmation, one transaction (${dialect})`, { skip }, () => {
    let t: TestApp;
    let card: Awaited<ReturnType<typeof issueCard>>;
    let certificate: Uint8Array;
    let clinic: Actor;

    const records = async () =>
      (await t.system.registry.accessRecords({ residentId: card.residentId, limit: 1000 })).filter(
        (r) => r.action === 'read' || r.action === 'confirm-qualification',
      );

    before(async () => {
      t = await createTestApp(dialect);
      await t.system.insurance.insurers.register({ institutionId: t.institutions.insurer.id });
      card = await issueCard(t);
      const officer: Actor = {
        id: 'officer',
        role: 'insurer-officer',
        institutionId: t.institutions.insurer.id,
        purpose: 'enrolment',
      };
      const outcome = await t.system.insurance.enrolments.submit(
        INSURER,
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
        },
        officer,
      );
      assert.equal(outcome.outcome, 'linked');
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      certificate = await createCardClient(chip).readCertificate('authentication');
      clinic = {
        id: 'reception',
        role: 'clinic-receptionist',
        institutionId: t.institutions.clinic.id,
        purpose: 'qualification-confirmation',
      };
    });
    after(() => t?.dispose());

    const deps = (network: typeof t.system.network) => ({
      db: t.system.store.db,
      capabilities: t.system.store.capabilities,
      clock: t.system.clock,
      cardAuth: t.system.cardAuth,
      pki: t.system.pki,
      cards: t.system.cards.cards,
      registry: t.system.registry,
      institutions: t.system.institutions,
      insurance: t.system.insurance,
      network,
      // Used only by query mode 2 (資格確認書), which these tests do not exercise.
      keys: keyRingFromSecret(Buffer.alloc(32, 7), 'test'),
    });

    it('a failure at the last write leaves no access record, no confirmation and no pseudonym', async () => {
      const before = await records();
      const failing = createConfirmations(
        deps({
          ...t.system.network,
          pseudonymOf: async () => {
            throw new Error('disk full');
          },
        }),
      );
      await assert.rejects(
        failing.confirmVisually({ certificate, comparedWithPhoto: true }, clinic),
        /disk full/,
      );
      assert.deepEqual(await records(), before, 'neither the read nor the confirmation is recorded');
      assert.deepEqual(await t.system.confirmations.confirmationsOf(card.residentId), []);
      const pseudonym = t.system.network.compute(clinic.institutionId!, card.residentId);
      assert.equal(await t.system.network.residentOf(clinic.institutionId!, pseudonym), undefined);
    });

    it('PIN mode: the challenge is used up with the confirmation, once, and not by a failed one', async () => {
      const c = await t.system.confirmations.challenge(clinic);
      const chip = await VirtualChip.open(card.cardFile, card.cardKey);
      const a = await answerChallenge(chip, PINS.authentication, c.message);
      const signed = { challengeId: c.challengeId, certificate: a.certificate, signature: a.signature };
      const failing = createConfirmations(
        deps({
          ...t.system.network,
          pseudonymOf: async () => {
            throw new Error('disk full');
          },
        }),
      );
      await assert.rejects(failing.confirmWithPin(signed, clinic), /disk full/);
      // Nothing was answered, so the challenge is still unused; then it serves exactly once.
      const both = await Promise.allSettled([
        t.system.confirmations.confirmWithPin(signed, clinic),
        t.system.confirmations.confirmWithPin(signed, clinic),
      ]);
      assert.equal(both.filter((x) => x.status === 'fulfilled').length, 1);
      const refused = both.find((x) => x.status === 'rejected');
      assert.equal((refused as PromiseRejectedResult | undefined)?.reason?.code, 'AUTH_CHALLENGE_REPLAYED');
      await assert.rejects(t.system.confirmations.confirmWithPin(signed, clinic), {
        code: 'AUTH_CHALLENGE_REPLAYED',
      });
    });

    it("records the clinic's pseudonym on the first confirmation only", async () => {
      let recorded = 0;
      const counting = createConfirmations(
        deps({
          ...t.system.network,
          pseudonymOf: (
            institutionId: string,
            residentId: string,
            trx?: Parameters<typeof t.system.network.pseudonymOf>[2],
          ) => {
            recorded++;
            return t.system.network.pseudonymOf(institutionId, residentId, trx);
          },
        }),
      );
      // Another clinic: the one above has its pseudonym for the patient already.
      const other = await t.system.institutions.create({
        kind: 'medical',
        code: '1311234570',
        name: 'Other',
      });
      const at: Actor = { ...clinic, institutionId: other.id };
      const before = (await records()).length;
      const listed = (await t.system.confirmations.confirmationsOf(card.residentId)).length;
      const first = await counting.confirmVisually({ certificate, comparedWithPhoto: true }, at);
      assert.equal(first.validity, 'valid');
      assert.equal(recorded, 1);
      const pseudonym = t.system.network.compute(at.institutionId!, card.residentId);
      assert.equal(await t.system.network.residentOf(at.institutionId!, pseudonym), card.residentId);
      const second = await counting.confirmVisually({ certificate, comparedWithPhoto: true }, at);
      assert.equal(second.validity, 'valid');
      assert.equal(recorded, 1, 'the link read in the transaction shows it is recorded already');
      const after = await records();
      assert.equal(after.length, before + 4, 'a register read and a confirmation each time');
      assert.equal((await t.system.confirmations.confirmationsOf(card.residentId)).length, listed + 2);
    });
  });
}
