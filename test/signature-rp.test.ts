import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateEncrypt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CardService,
  cardMigrations,
  createCardService,
  createSigners,
  SIGNER_LEGAL_BASES,
  type Signers,
  signDocument,
} from '../src/card/index.ts';
import { createCardClient, VirtualChip } from '../src/chip/index.ts';
import { type Actor, type Clock, fixedClock } from '../src/core/index.ts';
import { keyRingFromSecret } from '../src/keys/index.ts';
import { createNumberVault } from '../src/number/index.ts';
import { createFileKeyStore, createPki, type Pki, pkiMigrations, signCms, toPem } from '../src/pki/index.ts';
import { createTestPki } from '../src/pki/pki.test-util.ts';
import { createRegistry, type Registry, migrations as registryMigrations } from '../src/registry/index.ts';
import {
  decodeBytes,
  parseCurrentItemsBody,
  parseVerifyBody,
  signatureRoutes,
} from '../src/server/routes/signature-routes.ts';
import { type DialectName, dispatchOutbox, migrate, type OutboxHandler } from '../src/store/index.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { PINS, portrait } from './support/cards.ts';
import { clerk, person } from './support/registry.ts';
import { createTestStore, dialects, type TestStore } from './support/stores.ts';

const START = '2026-04-01T03:00:00Z';
const BASIS = 'jpki-verifier-basic-items';
const rp: Actor = {
  id: 'rp-credential-1',
  role: 'relying-party',
  purpose: 'change-tracking',
  institutionId: 'rp-institution-1',
};

/** The register, the CA and the card service on one database, without HTTP. */
async function createWorld(dialect: DialectName) {
  const t: TestStore = await createTestStore(dialect);
  await migrate(t.store, [...registryMigrations, ...pkiMigrations, ...cardMigrations]);
  const clock = fixedClock(START);
  const keys = keyRingFromSecret(Buffer.alloc(32, 7), 'test');
  const registry: Registry = createRegistry({
    store: t.store,
    clock,
    keys,
    vault: createNumberVault(keys, t.store.capabilities),
  });
  await registry.municipalities.seed();
  const dir = mkdtempSync(join(tmpdir(), 'myna-signers-'));
  const keyStore = createFileKeyStore({ dir, secret: keys.derive('pki-key-store') });
  const pki: Pki = createPki({ store: t.store, clock, keyStore, baseUrl: 'http://127.0.0.1:8080' });
  await pki.init();
  const service = createCardService({
    store: t.store,
    clock,
    keys,
    registry,
    pki,
    publicUrl: 'http://127.0.0.1:8080',
  });
  const handlers = new Map<string, OutboxHandler[]>(
    Object.entries(service.handlers).map(([topic, handler]) => [topic, [handler]]),
  );
  const signers: Signers = createSigners({ clock, pki, registry, cards: service.cards });
  return {
    clock,
    registry,
    pki,
    service,
    signers,
    dispatch: () => dispatchOutbox(t.store.db, handlers, { now: () => clock.now() }),
    /** Moves the clock on by `seconds`. */
    later(seconds: number) {
      clock.set(new Date(clock.now().getTime() + seconds * 1000));
    },
    async dispose() {
      await keyStore.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
type World = Awaited<ReturnType<typeof createWorld>>;

/** What issuing and signing need: a World here, or a whole running system. */
interface Parts {
  readonly registry: Registry;
  readonly service: CardService;
  readonly pki: Pki;
  readonly clock: Clock;
}

/** An adult resident's card, applied for with the number, handed over at the counter. */
async function issue(w: Parts, overrides: Record<string, string> = {}) {
  const outcome = await w.registry.register(person(overrides), clerk);
  assert.equal(outcome.kind, 'registered');
  const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
  const number = await w.registry.revealNumber(residentId, clerk);
  const application = await w.service.applications.apply({
    number,
    birthDate: person(overrides)['birthDate'],
    photo: await portrait(),
  });
  await w.service.applications.decide(application.id, { approve: true }, clerk);
  const produced = await w.service.cards.produce(application.id, clerk);
  await w.service.cards.markReady(produced.id, clerk);
  const issued = await w.service.cards.handOver(produced.id, { identityConfirmed: true, pins: PINS }, clerk);
  const chip = await VirtualChip.open(issued.cardFile, issued.cardKey);
  const certificate = await createCardClient(chip).readCertificate('signature', PINS.signature);
  const serials = await w.pki.certificatesOf(produced.id);
  const signatureSerial = serials.find((c) => c.kind === 'signature')!.serial;
  const authenticationSerial = serials.find((c) => c.kind === 'authentication')!.serial;
  return {
    residentId,
    cardId: produced.id,
    cardFile: issued.cardFile,
    cardKey: issued.cardKey,
    chip,
    certificate,
    signatureSerial,
    authenticationSerial,
    sign: (content: Uint8Array) => signDocument(chip, PINS.signature, content, w.clock.now()),
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.equal((e as { code?: string }).code, code, String(e));
    return true;
  });
}

const DOC = Buffer.from('確定申告書 / tax return 2025\n');

for (const { dialect, skip } of await dialects()) {
  describe(`signature verification for relying parties on ${dialect}`, { skip }, () => {
    let w: World;
    before(async () => {
      w = await createWorld(dialect);
    });
    after(() => w?.dispose());

    it('tells who signed, when, and the status then and now; the items only when asked for', async () => {
      w.clock.set(START);
      const card = await issue(w, { givenName: '一郎' });
      const signature = await card.sign(DOC);
      w.later(60);
      const full = await w.signers.verifyForRelyingParty(signature, DOC, { includeItems: true });
      assert.equal(full.valid, true);
      assert.equal(full.invalid, undefined);
      assert.equal(full.signedAt, START.replace('Z', '.000Z'));
      assert.equal(full.signedAtSource, 'signer-claim');
      assert.equal(full.certificate.serial, card.signatureSerial);
      assert.match(full.certificate.issuer, /JPKI for digital signature/);
      assert.deepEqual(full.statusAtSigning, { status: 'good', at: '2026-04-01T03:00:00.000Z' });
      assert.deepEqual(full.statusNow, { status: 'good', at: '2026-04-01T03:01:00.000Z' });
      assert.deepEqual(full.signer, {
        name: '髙橋\u3000一郎',
        birthDate: '1980-02-29',
        sex: 'male',
        address: '東京都千代田区霞が関1丁目2番3号',
      });
      const bare = await w.signers.verifyForRelyingParty(signature, DOC, { includeItems: false });
      assert.equal(bare.valid, true);
      assert.ok(!('signer' in bare), 'no items without the entitlement');
      assert.ok(!JSON.stringify(bare).includes('髙橋'));
      // PEM works as DER does.
      const pem = Buffer.from(toPem(signature, 'CMS'));
      assert.equal((await w.signers.verifyForRelyingParty(pem, DOC, { includeItems: false })).valid, true);
    });

    it('refuses tampered content, malformed CMS, a foreign CA, times outside the certificate and the authentication key', async () => {
      w.clock.set(START);
      const card = await issue(w, { givenName: '二郎', birthDate: '1982-02-02' });
      const signature = await card.sign(DOC);
      const verify = (sig: Uint8Array, content: Uint8Array = DOC) =>
        w.signers.verifyForRelyingParty(sig, content, { includeItems: true });
      await rejectsWith(verify(signature, Buffer.from('forged')), 'CMS_CONTENT_MISMATCH');
      await rejectsWith(verify(Buffer.from('not a CMS')), 'CMS_MALFORMED');
      await rejectsWith(verify(signature.subarray(0, 100)), 'CMS_MALFORMED');
      await rejectsWith(verify(Buffer.from('-----BEGIN CMS-----\n!!\n-----END CMS-----\n')), 'CMS_MALFORMED');

      // Signed before the certificate existed.
      const early = await signDocument(card.chip, PINS.signature, DOC, new Date('2026-03-31T03:00:00Z'));
      await rejectsWith(verify(early), 'CMS_CERT_EXPIRED');
      // Signed after it ran out (the clock moves past its end).
      const record = await w.pki.certificate(card.signatureSerial);
      const afterEnd = new Date(record!.notAfter.getTime() + 86_400_000);
      w.clock.set(afterEnd);
      const late = await signDocument(card.chip, PINS.signature, DOC, afterEnd);
      await rejectsWith(verify(late), 'CMS_CERT_EXPIRED');
      w.clock.set(START);
      // Claimed to be signed in the future.
      const future = await signDocument(card.chip, PINS.signature, DOC, new Date('2026-04-02T03:00:00Z'));
      await rejectsWith(verify(future), 'CMS_SIGNING_TIME_INVALID');

      // A CA with our very names but other keys.
      const foreign = await createTestPki('sqlite');
      try {
        const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        foreign.clock.set(START);
        const leaf = await foreign.pki.issue({
          cardId: 'foreign-card',
          kind: 'signature',
          publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
          notBefore: new Date(START),
          notAfter: new Date('2030-01-01T00:00:00Z'),
          holder: { name: '偽 太郎', birthDate: '1990-01-01', sex: 'male', address: '東京都' },
        });
        const forged = await signCms({
          content: DOC,
          signerCertificate: leaf.der,
          chain: [await foreign.pki.caCertificate('signature')],
          signingTime: new Date(START),
          signDigestInfo: async (digestInfo) =>
            new Uint8Array(
              privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
            ),
        });
        await rejectsWith(verify(forged), 'CMS_UNTRUSTED');
      } finally {
        await foreign.dispose();
      }

      // The authentication key signs log-ins, not documents, and names nobody.
      const client = createCardClient(card.chip);
      const authCertificate = await client.readCertificate('authentication');
      const byAuthKey = await signCms({
        content: DOC,
        signerCertificate: authCertificate,
        chain: [await w.pki.caCertificate('authentication')],
        signingTime: w.clock.now(),
        signDigestInfo: (digestInfo) => client.sign('authentication', PINS.authentication, digestInfo),
      });
      await rejectsWith(verify(byAuthKey), 'CARD_NOT_SIGNATURE_CERTIFICATE');
    });

    it('reports a lost card: suspended after signing (key not trusted), signed while suspended (revoked at signing)', async () => {
      w.clock.set(START);
      const card = await issue(w, { givenName: '三郎', birthDate: '1983-03-03' });
      const before = await card.sign(DOC);
      w.later(60);
      await w.service.cards.suspend(card.cardId, { channel: 'phone' }, clerk);
      w.later(60);
      let r = await w.signers.verifyForRelyingParty(before, DOC, { includeItems: false });
      assert.equal(r.valid, false);
      assert.equal(r.invalid?.code, 'key-not-trusted');
      assert.equal(r.statusAtSigning.status, 'good');
      assert.equal(r.statusNow.status, 'revoked');
      assert.equal(r.statusNow.reason, 'certificateHold');
      assert.equal(r.statusNow.revokedAt, '2026-04-01T03:01:00.000Z');
      // Whoever found the card signs while it is on hold.
      const during = await card.sign(DOC);
      w.later(60);
      await w.service.cards.resume(card.cardId, clerk);
      w.later(60);
      r = await w.signers.verifyForRelyingParty(during, DOC, { includeItems: false });
      assert.equal(r.valid, false);
      assert.equal(r.invalid?.code, 'revoked-at-signing');
      assert.equal(r.statusAtSigning.reason, 'certificateHold');
      assert.equal(r.statusNow.status, 'good');
      // Found again: what was signed before the loss stands.
      r = await w.signers.verifyForRelyingParty(before, DOC, { includeItems: false });
      assert.equal(r.valid, true);
      // Revoked as lost: nothing from this key is trusted any more.
      await w.service.cards.revoke(card.cardId, 'lost', clerk);
      r = await w.signers.verifyForRelyingParty(before, DOC, { includeItems: false });
      assert.equal(r.valid, false);
      assert.equal(r.invalid?.code, 'key-not-trusted');
      assert.equal(r.statusNow.reason, 'keyCompromise');
    });

    it('keeps a signature made before the card ended at the holder’s request valid, with the status now revoked', async () => {
      w.clock.set(START);
      const card = await issue(w, { givenName: '四郎', birthDate: '1984-04-04' });
      const signature = await card.sign(DOC);
      w.later(3600);
      await w.service.cards.revoke(card.cardId, 'holder-request', clerk);
      w.later(60);
      const r = await w.signers.verifyForRelyingParty(signature, DOC, { includeItems: true });
      assert.equal(r.valid, true);
      assert.equal(r.statusAtSigning.status, 'good');
      assert.equal(r.statusNow.status, 'revoked');
      assert.equal(r.statusNow.reason, 'cessationOfOperation');
      assert.equal(r.signer?.name, '髙橋\u3000四郎');
      // Signed after the revocation: reported, not thrown.
      const late = await card.sign(DOC);
      const lateCheck = await w.signers.verifyForRelyingParty(late, DOC, { includeItems: false });
      assert.equal(lateCheck.valid, false);
      assert.equal(lateCheck.invalid?.code, 'revoked-at-signing');
      assert.equal(lateCheck.statusAtSigning.reason, 'cessationOfOperation');
    });

    it('after a move, tells the relying party the new address on a legal basis, and records the access', async () => {
      w.clock.set(START);
      const card = await issue(w, { givenName: '五郎', birthDate: '1975-05-05' });
      const signature = await card.sign(DOC);
      w.later(86_400);
      await w.registry.recordEvent(
        card.residentId,
        {
          kind: 'move',
          effectiveDate: '2026-04-02',
          changes: { address: '東京都千代田区丸の内1丁目1番1号', postalCode: '1000005' },
        },
        clerk,
      );
      await w.dispatch();
      w.later(60);

      // The signature made before the move stands; the certificate is revoked now.
      const checked = await w.signers.verifyForRelyingParty(signature, DOC, { includeItems: true });
      assert.equal(checked.valid, true);
      assert.equal(checked.statusNow.reason, 'affiliationChanged');
      assert.equal(checked.signer?.address, '東京都千代田区霞が関1丁目2番3号');
      // One made with the old certificate after the move does not.
      const late = await card.sign(DOC);
      const lateCheck = await w.signers.verifyForRelyingParty(late, DOC, { includeItems: false });
      assert.equal(lateCheck.invalid?.code, 'revoked-at-signing');

      const before = await w.registry.accessRecords({ residentId: card.residentId, limit: 1000 });
      const items = await w.signers.currentItemsOfSigner(card.signatureSerial, {
        actor: rp,
        legalBasis: BASIS,
      });
      assert.deepEqual(items.current, {
        name: '髙橋\u3000五郎',
        birthDate: '1975-05-05',
        sex: 'male',
        address: '東京都千代田区丸の内1丁目1番1号',
      });
      assert.equal(items.reason, 'affiliationChanged');
      assert.equal(items.revokedAt, '2026-04-02T03:00:00.000Z');
      assert.equal(items.newerCertificate, null);
      assert.equal(items.legalBasis, BASIS);
      const records = (await w.registry.accessRecords({ residentId: card.residentId, limit: 1000 })).slice(
        before.length,
      );
      assert.equal(records.length, 1);
      assert.equal(records[0]!.actorId, rp.id);
      assert.equal(records[0]!.actorRole, 'relying-party');
      assert.equal(records[0]!.purpose, 'change-tracking');
      assert.equal(records[0]!.action, 'read');
      assert.deepEqual([...records[0]!.items].sort(), ['address', 'birth-date', 'name', 'sex']);

      // The holder gets a new signature certificate at the counter: the relying party
      // learns its serial and can ask for the document to be signed again.
      const renewed = await w.service.cards.renewCertificates(
        card.cardId,
        { cardFile: await card.chip.save(card.cardKey), cardKey: card.cardKey },
        clerk,
      );
      const newSerial = (await w.pki.certificatesOf(card.cardId)).find(
        (c) => c.kind === 'signature' && c.serial !== card.signatureSerial,
      )!.serial;
      // Asked with the old certificate itself instead of its serial.
      const again = await w.signers.currentItemsOfSigner(
        { certificate: card.certificate },
        { actor: rp, legalBasis: BASIS },
      );
      assert.equal(again.newerCertificate?.serial, newSerial);
      const pem = await w.signers.currentItemsOfSigner(
        { certificate: Buffer.from(toPem(card.certificate, 'CERTIFICATE')) },
        { actor: rp, legalBasis: BASIS },
      );
      assert.equal(pem.serial, card.signatureSerial);
      // The new certificate carries the new address; asking about it is refused (it is current).
      const chip = await VirtualChip.open(renewed.cardFile, card.cardKey);
      const resigned = await signDocument(chip, PINS.signature, DOC, w.clock.now());
      const fresh = await w.signers.verifyForRelyingParty(resigned, DOC, { includeItems: true });
      assert.equal(fresh.valid, true);
      assert.equal(fresh.signer?.address, '東京都千代田区丸の内1丁目1番1号');
      await rejectsWith(
        w.signers.currentItemsOfSigner(newSerial, { actor: rp, legalBasis: BASIS }),
        'CARD_SIGNER_CERTIFICATE_IN_FORCE',
      );
    });

    it('refuses without a legal basis from the table, for other revocation reasons, and for unknown or deceased signers', async () => {
      w.clock.set(START);
      const moved = await issue(w, { givenName: '六郎', birthDate: '1966-06-06' });
      w.later(60);
      await w.registry.recordEvent(
        moved.residentId,
        { kind: 'name-change', effectiveDate: '2026-04-01', changes: { familyName: '高橋' } },
        clerk,
      );
      await w.dispatch();
      const count = async () =>
        (await w.registry.accessRecords({ residentId: moved.residentId, limit: 1000 })).length;
      const recorded = await count();
      const ask = (
        ref: Parameters<Signers['currentItemsOfSigner']>[0],
        extra: Partial<{ actor: Actor; legalBasis: string }> = {},
      ) => w.signers.currentItemsOfSigner(ref, { actor: rp, legalBasis: BASIS, ...extra });

      await rejectsWith(ask(moved.signatureSerial, { legalBasis: '' }), 'CARD_LEGAL_BASIS_UNKNOWN');
      await rejectsWith(ask(moved.signatureSerial, { legalBasis: 'curiosity' }), 'CARD_LEGAL_BASIS_UNKNOWN');
      await rejectsWith(
        ask(moved.signatureSerial, { actor: { ...rp, purpose: 'marketing' } }),
        'CARD_LEGAL_BASIS_NOT_APPLICABLE',
      );
      await rejectsWith(
        ask(moved.signatureSerial, { actor: { ...rp, role: 'clerk' } }),
        'CARD_LEGAL_BASIS_NOT_APPLICABLE',
      );
      await rejectsWith(ask('00'), 'PKI_UNKNOWN_CERTIFICATE');
      await rejectsWith(ask('not hex at all'), 'PKI_UNKNOWN_CERTIFICATE');
      await rejectsWith(ask('f'.repeat(65)), 'PKI_UNKNOWN_CERTIFICATE');
      await rejectsWith(ask({ certificate: Buffer.from('garbage') }), 'PKI_CERTIFICATE_MALFORMED');
      await rejectsWith(ask(moved.authenticationSerial), 'CARD_NOT_SIGNATURE_CERTIFICATE');
      assert.equal(await count(), recorded, 'no refusal read the register');
      // A name change is a change of the basic items too.
      assert.equal((await ask(moved.signatureSerial.toUpperCase())).current.name, '高橋\u3000六郎');

      const good = await issue(w, { givenName: '七郎', birthDate: '1977-07-07' });
      await rejectsWith(ask(good.signatureSerial), 'CARD_SIGNER_CERTIFICATE_IN_FORCE');
      w.later(60);
      await w.service.cards.suspend(good.cardId, { channel: 'phone' }, clerk);
      await rejectsWith(ask(good.signatureSerial), 'CARD_SIGNER_NOT_CHANGE_REVOKED');
      w.later(60);
      await w.service.cards.revoke(good.cardId, 'lost', clerk);
      await rejectsWith(ask(good.signatureSerial), 'CARD_SIGNER_NOT_CHANGE_REVOKED');
      const ended = await issue(w, { givenName: '八郎', birthDate: '1988-08-08' });
      w.later(60);
      await w.service.cards.revoke(ended.cardId, 'holder-request', clerk);
      await rejectsWith(ask(ended.signatureSerial), 'CARD_SIGNER_NOT_CHANGE_REVOKED');

      // Death: refused whether or not the outbox has ended the card yet.
      w.later(60);
      await w.registry.recordEvent(moved.residentId, { kind: 'death', effectiveDate: '2026-04-01' }, clerk);
      await rejectsWith(ask(moved.signatureSerial), 'CARD_SIGNER_DECEASED');
      await w.dispatch();
      assert.equal((await w.service.cards.get(moved.cardId)).endReason, 'death');
      const afterDeath = await count();
      await rejectsWith(ask(moved.signatureSerial), 'CARD_SIGNER_DECEASED');
      assert.equal(await count(), afterDeath, 'the ended card answers without reading the register');
    });

    it('keeps its table of legal bases honest: ids, roles, purposes and sources', () => {
      assert.ok(SIGNER_LEGAL_BASES.length >= 1);
      for (const b of SIGNER_LEGAL_BASES) {
        assert.match(b.id, /^[a-z][a-z0-9-]{2,63}$/);
        assert.ok(b.roles.includes('relying-party'));
        assert.ok(b.purposes.length > 0);
        assert.ok(b.sources.every((s) => s.startsWith('https://')));
        assert.doesNotMatch(b.description, /article|第\d+条/i, 'no article numbers we have not checked');
      }
    });
  });
}

describe('the request body parsers of the relying-party routes', () => {
  const isRequestInvalid = (e: unknown) => (e as { code?: string }).code === 'REQUEST_INVALID';

  it('decode base64 and base64url to the same bytes, and pass PEM on as text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const buf = Buffer.from(bytes);
        for (const text of [
          buf.toString('base64'),
          buf.toString('base64url'),
          buf.toString('base64').replace(/(.{16})/g, '$1\n'),
        ])
          assert.deepEqual(Buffer.from(decodeBytes(text, 'x', { pem: true, allowEmpty: false })), buf);
      }),
    );
    const pem = toPem(Buffer.from([1, 2, 3]), 'CMS');
    assert.equal(Buffer.from(decodeBytes(pem, 'x', { pem: true, allowEmpty: false })).toString(), pem);
    assert.throws(() => decodeBytes(pem, 'content', { pem: false, allowEmpty: true }), isRequestInvalid);
    assert.throws(() => decodeBytes('', 'signature', { pem: true, allowEmpty: false }), isRequestInvalid);
    assert.equal(decodeBytes('', 'content', { pem: false, allowEmpty: true }).length, 0);
  });

  it('fail on any other text with REQUEST_INVALID and nothing else', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.base64String({ maxLength: 100 }).map((b) => `${b}!`),
      fc.constantFrom('-----BEGIN CMS-----', '====', 'AA==AA', ' ', '-_-', ':::', 'ff:00'),
    );
    fc.assert(
      fc.property(text, text, text, (a, b, certificate) => {
        for (const run of [
          () => parseVerifyBody({ signature: a, content: b }),
          () => parseCurrentItemsBody({ legalBasis: a, certificate }),
        ]) {
          try {
            run();
          } catch (e) {
            assert.ok(isRequestInvalid(e), String(e));
          }
        }
      }),
    );
  });

  it('takes the certificate itself (base64 DER or PEM), never a bare serial', () => {
    assert.deepEqual(parseCurrentItemsBody({ certificate: 'AAEC', legalBasis: ' b ' }), {
      ref: { certificate: Uint8Array.from([0, 1, 2]) },
      legalBasis: 'b',
    });
    assert.throws(() => parseCurrentItemsBody({ certificate: '', legalBasis: 'b' }), isRequestInvalid);
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`relying-party signature routes over HTTP on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let parts: Parts;
    const tokens = { entitled: '', plain: '', tracking: '' };
    let entitledId = '';
    const VERIFY = '/v1/relying-party/signatures/verify';
    const CURRENT = '/v1/relying-party/signers/current-items';
    before(async () => {
      t = await createTestApp(dialect, { MYNA_RATE_LIMIT: '1000' });
      // Until app.ts registers the plugin, the test does.
      if (!t.app.hasRoute({ method: 'POST', url: VERIFY }))
        await t.app.register(signatureRoutes, { system: t.system });
      const make = async (name: string, entitlements: ('signer-items' | 'change-tracking')[]) => {
        const inst = await t.system.institutions.create({ kind: 'service', name, entitlements });
        return t.system.staff.issue(`${name} client`, 'relying-party', inst.id);
      };
      const entitled = await make('Entitled RP', ['signer-items', 'change-tracking']);
      tokens.entitled = entitled.token;
      entitledId = entitled.credential.id;
      tokens.plain = (await make('Plain RP', [])).token;
      tokens.tracking = (await make('Tracking-only RP', ['change-tracking'])).token;
      parts = {
        registry: t.system.registry,
        service: t.system.cards,
        pki: t.system.pki,
        clock: t.system.clock,
      };
    });
    after(() => t?.dispose());
    const setClock = (at: Date | string) =>
      (t.system.clock as unknown as { set(to: Date | string): void }).set(at);
    const later = (seconds: number) => setClock(new Date(t.system.clock.now().getTime() + seconds * 1000));
    const headers = (token: string, purpose?: string) => ({
      authorization: `Bearer ${token}`,
      ...(purpose === undefined ? {} : { 'x-myna-purpose': purpose }),
    });
    const verify = (token: string | undefined, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url: VERIFY,
        headers: token === undefined ? {} : headers(token),
        payload: payload as Record<string, unknown>,
      });
    const current = (token: string, payload: unknown, purpose: string | null = 'change-tracking') =>
      t.app.inject({
        method: 'POST',
        url: CURRENT,
        headers: headers(token, purpose ?? undefined),
        payload: payload as Record<string, unknown>,
      });
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

    it('verifies for relying parties; only an entitled one learns the signer’s items', async () => {
      setClock(START);
      const card = await issue(parts, { givenName: '九郎', birthDate: '1979-09-09' });
      const signature = await card.sign(DOC);
      later(60);
      const payload = { signature: b64(signature), content: b64(DOC) };
      const full = await verify(tokens.entitled, payload);
      assert.equal(full.statusCode, 200, full.body);
      const body = full.json();
      assert.equal(body.valid, true);
      assert.equal(body.signedAtSource, 'signer-claim');
      assert.equal(body.certificate.serial, card.signatureSerial);
      assert.equal(body.statusAtSigning.status, 'good');
      assert.deepEqual(body.signer, {
        name: '髙橋\u3000九郎',
        birthDate: '1979-09-09',
        sex: 'male',
        address: '東京都千代田区霞が関1丁目2番3号',
      });
      const plain = await verify(tokens.plain, payload);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json().valid, true);
      assert.ok(!('signer' in plain.json()));
      assert.ok(!plain.body.includes('九郎'));
      // PEM is accepted as sent.
      const pem = await verify(tokens.plain, { signature: toPem(signature, 'CMS'), content: b64(DOC) });
      assert.equal(pem.json().valid, true, pem.body);

      // Who may call: relying parties only.
      assert.equal((await verify(undefined, payload)).statusCode, 401);
      const clerkCall = await verify(t.tokens.clerk, payload);
      assert.equal(clerkCall.statusCode, 403);
      assert.equal(clerkCall.json().code, 'AUTH_ROLE_FORBIDDEN');

      // Bad input is a 400 with a code.
      const tampered = await verify(tokens.plain, { ...payload, content: b64(Buffer.from('forged')) });
      assert.equal(tampered.statusCode, 400);
      assert.equal(tampered.json().code, 'CMS_CONTENT_MISMATCH');
      const notBase64 = await verify(tokens.plain, { ...payload, signature: 'not base64!' });
      assert.equal(notBase64.json().code, 'REQUEST_INVALID');
      const garbage = await verify(tokens.plain, { ...payload, signature: b64(Buffer.from('garbage')) });
      assert.equal(garbage.json().code, 'CMS_MALFORMED');
      const extra = await verify(tokens.plain, { ...payload, residentId: 'x' });
      assert.equal(extra.json().code, 'REQUEST_INVALID');

      // Suspended after signing: good then, on hold now, and not valid.
      later(60);
      await t.system.cards.cards.suspend(card.cardId, { channel: 'phone' }, clerk);
      const held = (await verify(tokens.plain, payload)).json();
      assert.equal(held.valid, false);
      assert.equal(held.invalid.code, 'key-not-trusted');
      assert.equal(held.statusAtSigning.status, 'good');
      assert.equal(held.statusNow.reason, 'certificateHold');
    });

    it('after a move, gives an entitled relying party the new address on a legal basis and records it', async () => {
      setClock(START);
      const card = await issue(parts, { givenName: '十郎', birthDate: '1970-10-10' });
      later(3600);
      await t.system.registry.recordEvent(
        card.residentId,
        { kind: 'move', effectiveDate: '2026-04-01', changes: { address: '東京都武蔵野市緑町2丁目2番2号' } },
        clerk,
      );
      await t.system.dispatch();
      later(60);
      const ok = await current(tokens.entitled, { certificate: b64(card.certificate), legalBasis: BASIS });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().current.address, '東京都武蔵野市緑町2丁目2番2号');
      assert.equal(ok.json().newerCertificate, null);
      assert.equal(ok.json().reason, 'affiliationChanged');
      const records = await t.system.registry.accessRecords({
        residentId: card.residentId,
        actorId: entitledId,
        limit: 10,
      });
      assert.equal(records.length, 1);
      assert.equal(records[0]!.purpose, 'change-tracking');
      assert.equal(records[0]!.actorRole, 'relying-party');
      const byCert = await current(tokens.entitled, {
        certificate: b64(card.certificate),
        legalBasis: BASIS,
      });
      assert.equal(byCert.json().serial, card.signatureSerial, byCert.body);

      // Refusals, each with its own code.
      const codeOf = async (r: Promise<{ statusCode: number; json(): { code: string } }>) => {
        const res = await r;
        return [res.statusCode, res.json().code];
      };
      assert.deepEqual(await codeOf(current(tokens.entitled, { certificate: b64(card.certificate) })), [
        400,
        'REQUEST_INVALID',
      ]);
      assert.deepEqual(
        await codeOf(current(tokens.entitled, { certificate: b64(card.certificate), legalBasis: 'because' })),
        [403, 'CARD_LEGAL_BASIS_UNKNOWN'],
      );
      assert.deepEqual(
        await codeOf(
          current(tokens.entitled, { certificate: b64(card.certificate), legalBasis: BASIS }, 'marketing'),
        ),
        [403, 'CARD_LEGAL_BASIS_NOT_APPLICABLE'],
      );
      assert.deepEqual(
        await codeOf(
          current(tokens.entitled, { certificate: b64(card.certificate), legalBasis: BASIS }, null),
        ),
        [400, 'AUTH_PURPOSE_REQUIRED'],
      );
      assert.deepEqual(
        await codeOf(current(tokens.plain, { certificate: b64(card.certificate), legalBasis: BASIS })),
        [403, 'AUTH_NOT_ENTITLED'],
      );
      assert.deepEqual(
        await codeOf(current(t.tokens.clerk, { certificate: b64(card.certificate), legalBasis: BASIS })),
        [403, 'AUTH_ROLE_FORBIDDEN'],
      );
      assert.deepEqual(
        await codeOf(
          current(tokens.entitled, {
            serial: card.signatureSerial,
            legalBasis: BASIS,
          }),
        ),
        [400, 'REQUEST_INVALID'],
      );
      assert.deepEqual(
        await codeOf(
          current(tokens.entitled, { certificate: b64(Buffer.from('not a certificate')), legalBasis: BASIS }),
        ),
        [400, 'PKI_CERTIFICATE_MALFORMED'],
      );
      assert.deepEqual(
        await codeOf(
          current(tokens.entitled, {
            certificate: b64(await createCardClient(card.chip).readCertificate('authentication')),
            legalBasis: BASIS,
          }),
        ),
        [400, 'CARD_NOT_SIGNATURE_CERTIFICATE'],
      );
      const good = await issue(parts, { givenName: '十一郎', birthDate: '1971-11-11' });
      assert.deepEqual(
        await codeOf(current(tokens.tracking, { certificate: b64(good.certificate), legalBasis: BASIS })),
        [409, 'CARD_SIGNER_CERTIFICATE_IN_FORCE'],
      );
      later(60);
      await t.system.cards.cards.revoke(good.cardId, 'lost', clerk);
      assert.deepEqual(
        await codeOf(current(tokens.tracking, { certificate: b64(good.certificate), legalBasis: BASIS })),
        [409, 'CARD_SIGNER_NOT_CHANGE_REVOKED'],
      );
      assert.equal(
        (
          await t.system.registry.accessRecords({
            residentId: card.residentId,
            actorId: entitledId,
            limit: 10,
          })
        ).length,
        2,
        'only the two answers read the register',
      );
    });

    it('never answers random bodies with a 500, and logs no names or addresses', async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.base64String({ maxLength: 200 }),
        fc.constantFrom(
          '-----BEGIN CMS-----\nAAAA\n-----END CMS-----',
          '-----BEGIN CERTIFICATE-----',
          'ff:ee',
          BASIS,
        ),
      );
      const body = fc.oneof(
        fc.jsonValue(),
        fc.record(
          { signature: fc.oneof(text, fc.jsonValue()), content: fc.oneof(text, fc.jsonValue()) },
          { requiredKeys: [] },
        ),
        fc.record(
          {
            serial: fc.oneof(text, fc.jsonValue()),
            certificate: text,
            legalBasis: fc.oneof(text, fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom(VERIFY, CURRENT), async (payload, url) => {
          const r = await t.app.inject({
            method: 'POST',
            url,
            headers: { ...headers(tokens.entitled, 'change-tracking'), 'content-type': 'application/json' },
            payload: JSON.stringify(payload) ?? '',
          });
          assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body}`);
          assert.ok(
            r.statusCode === 200 ||
              r.headers['content-type']?.toString().startsWith('application/problem+json'),
          );
        }),
        { numRuns: 150 },
      );
      const log = t.log();
      for (const personal of ['髙橋', '九郎', '十郎', '武蔵野市緑町', '霞が関'])
        assert.ok(!log.includes(personal), personal);
    });
  });
}
