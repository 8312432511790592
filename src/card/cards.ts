import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { VirtualChip } from '../chip/index.ts';
import { type Actor, AppError } from '../core/index.ts';
import type { Resident } from '../registry/index.ts';
import type { AnyDb } from '../store/index.ts';
import { fullName, recordCardEvent, transition } from './applications.ts';
import { type CardStatus, cardTables } from './card-tables.ts';
import { type CardContext, endOfJstDay } from './context.ts';
import { cardError } from './errors.ts';
import {
  ageOn,
  cardTerms,
  earlier,
  nthBirthdayAfter,
  renewalOpensOn,
  SIGNATURE_CERTIFICATE_MIN_AGE,
} from './validity.ts';

export type CardEndReason =
  | 'lost'
  | 'death'
  | 'number-reassigned'
  | 'holder-request'
  | 'superseded'
  | 'key-compromise'
  | 'recording-error';

/** How a card's end maps onto an X.509 revocation reason. */
const REVOCATION_REASON = {
  lost: 'keyCompromise',
  'key-compromise': 'keyCompromise',
  death: 'cessationOfOperation',
  'number-reassigned': 'cessationOfOperation',
  'holder-request': 'cessationOfOperation',
  superseded: 'superseded',
  'recording-error': 'unspecified',
} as const;

export const CARD_END_REASONS = Object.keys(REVOCATION_REASON) as CardEndReason[];

export interface HandOverPins {
  /** 署名用パスワード: 6–16 letters and digits; absent on cards without a signature certificate. */
  readonly signature?: string | undefined;
  /** 利用者証明用暗証番号: 4 digits. */
  readonly authentication: string;
  /** 券面事項入力補助用暗証番号: 4 digits. */
  readonly text: string;
}

export interface CardView {
  readonly id: string;
  readonly residentId: string;
  readonly applicationId: string;
  readonly status: CardStatus;
  readonly issuedOn: string;
  readonly expiresOn: string;
  readonly certificatesExpireOn: string;
  readonly withSignatureCertificate: boolean;
  readonly producedAt: string;
  readonly handedOverAt: string | null;
  readonly endedAt: string | null;
  readonly endReason: string | null;
}

export interface IssuedCard {
  /** The virtual card file (the chip's encrypted state) and the key that opens it. */
  readonly cardFile: Uint8Array;
  readonly cardKey: Uint8Array;
  /** The 4-digit security code printed on the card face (part of 照合番号B). */
  readonly securityCode: string;
  readonly card: CardView;
}

const FOUR_DIGITS = /^\d{4}$/;
const SIGNATURE_PASSWORD = /^[A-Z0-9]{6,16}$/;

function checkPins(pins: HandOverPins, withSignature: boolean): void {
  const details = [];
  if (!FOUR_DIGITS.test(pins.authentication))
    details.push({
      at: 'pins.authentication',
      code: 'FORMAT',
      message: 'the authentication PIN is 4 digits',
    });
  if (!FOUR_DIGITS.test(pins.text))
    details.push({ at: 'pins.text', code: 'FORMAT', message: 'the card-info PIN is 4 digits' });
  if (withSignature) {
    const password = pins.signature?.toUpperCase() ?? '';
    if (!SIGNATURE_PASSWORD.test(password))
      details.push({
        at: 'pins.signature',
        code: 'FORMAT',
        message: 'the signature password is 6 to 16 letters (A–Z) and digits',
      });
  }
  if (details.length > 0)
    throw cardError('CARD_PIN_FORMAT', 'invalid', 'a PIN has the wrong format', details);
}

type CardRow = NonNullable<Awaited<ReturnType<typeof selectCard>>>;

function selectCard(db: AnyDb, id: string) {
  return cardTables(db).selectFrom('card').selectAll().where('id', '=', id).executeTakeFirst();
}

export function cardView(row: CardRow): CardView {
  return {
    id: row.id,
    residentId: row.resident_id,
    applicationId: row.application_id,
    status: row.status,
    issuedOn: row.issued_on,
    expiresOn: row.expires_on,
    certificatesExpireOn: row.certificates_expire_on,
    withSignatureCertificate: Number(row.with_signature) === 1,
    producedAt: row.produced_at,
    handedOverAt: row.handed_over_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
  };
}

function sexCode(sex: Resident['sex']): '1' | '2' | '9' {
  return sex === 'male' ? '1' : sex === 'female' ? '2' : '9';
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function createCards(ctx: CardContext) {
  const { store, clock, registry, pki } = ctx;

  async function load(db: AnyDb, id: string): Promise<CardRow> {
    const row = await selectCard(db, id);
    if (row === undefined) throw cardError('CARD_NOT_FOUND', 'not-found', 'no such card');
    return row;
  }

  async function setStatus(
    db: AnyDb,
    row: CardRow,
    status: CardStatus,
    extra: Partial<{
      handed_over_at: string;
      ended_at: string;
      end_reason: string;
      chip_sealed: null;
      public_keys: null;
      security_sealed: null;
      certificates_expire_on: string;
      with_signature: number;
    }> = {},
  ): Promise<void> {
    const result = await cardTables(db)
      .updateTable('card')
      .set({ ...extra, status, version: sql`version + 1` })
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw cardError('CARD_CONCURRENT_UPDATE', 'conflict', 'the card changed meanwhile; try again');
  }

  function requireStatus(row: CardRow, allowed: readonly CardStatus[], action: string): void {
    if (!allowed.includes(row.status))
      throw cardError('CARD_STATE', 'conflict', `the card is ${row.status}; it cannot be ${action}`);
  }

  /** Revokes every live certificate of a card (or only its signature certificate). */
  async function revokeCertificates(
    db: AnyDb,
    cardId: string,
    reason: (typeof REVOCATION_REASON)[CardEndReason] | 'affiliationChanged',
    only?: 'signature',
  ): Promise<number> {
    let n = 0;
    for (const cert of await pki.certificatesOf(cardId, db)) {
      if (only !== undefined && cert.kind !== only) continue;
      const status = await pki.status(cert.serial, clock.now(), db);
      if (status.status === 'revoked' && status.reason !== 'certificateHold') continue;
      if (status.status === 'unknown') continue;
      await pki.revoke(cert.serial, reason, clock.now(), db);
      n++;
    }
    return n;
  }

  async function end(db: AnyDb, row: CardRow, reason: CardEndReason, actor: Actor): Promise<void> {
    requireStatus(row, ['produced', 'ready', 'active', 'suspended'], 'revoked');
    await revokeCertificates(db, row.id, REVOCATION_REASON[reason]);
    await setStatus(db, row, 'revoked', {
      ended_at: clock.now().toISOString(),
      end_reason: reason,
      chip_sealed: null,
      public_keys: null,
    });
    await recordCardEvent(ctx, db, row.id, 'revoked', actor, reason);
  }

  /**
   * The register may change between reading the holder and committing their new
   * signature certificate; the outbox handler then found no certificate to revoke. So
   * look again after the commit and revoke it here if the four items moved on.
   */
  async function revokeIfStale(cardId: string, used: Resident, actor: Actor): Promise<void> {
    const now = await registry.get(used.id, actor);
    if (now.version === used.version) return;
    await store.db.transaction().execute(async (trx) => {
      const n = await revokeCertificates(trx, cardId, 'affiliationChanged', 'signature');
      if (n > 0)
        await recordCardEvent(
          ctx,
          trx,
          cardId,
          'signature-certificate-revoked',
          actor,
          'basic-items-changed',
        );
    });
  }

  async function liveCardsOf(db: AnyDb, residentId: string): Promise<CardRow[]> {
    return cardTables(db)
      .selectFrom('card')
      .selectAll()
      .where('resident_id', '=', residentId)
      .where('status', 'in', ['produced', 'ready', 'active', 'suspended'])
      .execute();
  }

  return {
    async get(id: string): Promise<CardView> {
      return cardView(await load(store.db, id));
    },

    async ofResident(residentId: string): Promise<CardView[]> {
      const rows = await cardTables(store.db)
        .selectFrom('card')
        .selectAll()
        .where('resident_id', '=', residentId)
        .orderBy('id')
        .execute();
      return rows.map(cardView);
    },

    /**
     * Production: a blank chip makes its key pairs inside itself; the service keeps the
     * chip (encrypted) until hand-over, with the 4-digit security code printed on its face.
     */
    async produce(applicationId: string, actor: Actor): Promise<CardView> {
      const application = await cardTables(store.db)
        .selectFrom('card_application')
        .selectAll()
        .where('id', '=', applicationId)
        .executeTakeFirst();
      if (application === undefined)
        throw cardError('CARD_APPLICATION_NOT_FOUND', 'not-found', 'no such application');
      if (application.status !== 'approved')
        throw cardError(
          'CARD_APPLICATION_STATE',
          'conflict',
          `the application is ${application.status}, not approved`,
        );
      const resident = await registry.get(application.resident_id, actor);
      if (resident.status !== 'active')
        throw cardError('CARD_RESIDENT_INACTIVE', 'conflict', 'the resident is not active in the register');
      const issuedOn = ctx.today();
      const terms = cardTerms(resident.birthDate, issuedOn);
      const id = ctx.newId();
      const issuerKey = ctx.issuerKey(id);
      const chip = await VirtualChip.create({ issuerKey, cardId: id });
      const keys: Record<string, string> = {
        authentication: b64(await chip.generateKeyPair(issuerKey, 'authentication')),
      };
      if (terms.withSignatureCertificate)
        keys['signature'] = b64(await chip.generateKeyPair(issuerKey, 'signature'));
      const held = await chip.save(ctx.heldChipKey);
      const securityCode = String(randomInt(0, 10_000)).padStart(4, '0');
      const now = clock.now().toISOString();
      await store.db.transaction().execute(async (trx) => {
        await cardTables(trx)
          .insertInto('card')
          .values({
            id,
            resident_id: resident.id,
            application_id: applicationId,
            status: 'produced',
            issued_on: issuedOn,
            expires_on: terms.cardExpiresOn,
            certificates_expire_on: terms.certificatesExpireOn,
            with_signature: terms.withSignatureCertificate ? 1 : 0,
            security_sealed: ctx.sealer.seal(Buffer.from(securityCode), id),
            chip_sealed: held,
            public_keys: JSON.stringify(keys),
            produced_at: now,
            handed_over_at: null,
            ended_at: null,
            end_reason: null,
            version: 1,
          })
          .execute();
        await transition(ctx, applicationId, ['approved'], 'produced', actor, { card_id: id }, trx);
        await recordCardEvent(ctx, trx, id, 'produced', actor, null);
      });
      return cardView(await load(store.db, id));
    },

    /** The card has reached the municipal counter (交付通知書 sent). */
    async markReady(id: string, actor: Actor): Promise<CardView> {
      await store.db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        requireStatus(row, ['produced'], 'made ready for pickup');
        await setStatus(trx, row, 'ready');
        await transition(ctx, row.application_id, ['produced'], 'ready', actor, {}, trx);
        await recordCardEvent(ctx, trx, id, 'ready', actor, null);
      });
      return cardView(await load(store.db, id));
    },

    /**
     * The security code printed on the card face, for rendering the face at production
     * and checking it at hand-over. After hand-over only the holder has it.
     */
    async securityCode(id: string): Promise<string> {
      const row = await load(store.db, id);
      if (row.security_sealed === null)
        throw cardError('CARD_STATE', 'conflict', 'the card has been handed over; its face is on the card');
      return Buffer.from(ctx.sealer.open(row.security_sealed, id)).toString('utf8');
    },

    /**
     * Hand-over at the counter (交付): the clerk has checked the holder against the
     * photo; the holder sets the PINs; the certificates are issued and written to the
     * chip; the holder leaves with the card, and the service keeps no copy of it.
     */
    async handOver(
      id: string,
      input: { identityConfirmed: boolean; pins: HandOverPins },
      actor: Actor,
    ): Promise<IssuedCard> {
      if (input.identityConfirmed !== true)
        throw cardError(
          'CARD_IDENTITY_NOT_CONFIRMED',
          'invalid',
          'confirm the holder against the photo (and an ID document) before handing the card over',
        );
      const row = await load(store.db, id);
      requireStatus(row, ['ready'], 'handed over');
      const withSignature = Number(row.with_signature) === 1;
      checkPins(input.pins, withSignature);
      const resident = await registry.get(row.resident_id, actor);
      const number = await registry.revealNumber(row.resident_id, actor);
      const application = await cardTables(store.db)
        .selectFrom('card_application')
        .selectAll()
        .where('id', '=', row.application_id)
        .executeTakeFirstOrThrow();
      const photo =
        application.photo_sealed === null
          ? undefined
          : ctx.sealer.open(application.photo_sealed, application.id);
      if (row.security_sealed === null)
        throw cardError('CARD_CHIP_MISSING', 'conflict', 'the service no longer holds this card’s chip');
      const securityCode = Buffer.from(ctx.sealer.open(row.security_sealed, id)).toString('utf8');
      const keys = JSON.parse(row.public_keys ?? '{}') as Record<string, string>;
      if (row.chip_sealed === null || keys['authentication'] === undefined)
        throw cardError('CARD_CHIP_MISSING', 'conflict', 'the service no longer holds this card’s chip');
      const issuerKey = ctx.issuerKey(id);
      const chip = await VirtualChip.open(row.chip_sealed, ctx.heldChipKey);
      const cardKey = randomBytes(32);
      const now = clock.now();
      // Certificates run from the day they are issued: the 5th birthday after hand-over.
      const certificatesExpireOn = earlier(
        nthBirthdayAfter(resident.birthDate, ctx.today(), 5),
        row.expires_on,
      );
      const notAfter = endOfJstDay(certificatesExpireOn);
      const name = fullName(resident);
      let cardFile: Uint8Array | undefined;
      await store.db.transaction().execute(async (trx) => {
        const authentication = await pki.issue(
          {
            cardId: id,
            kind: 'authentication',
            publicKey: Buffer.from(keys['authentication']!, 'base64'),
            notBefore: now,
            notAfter,
          },
          trx,
        );
        const signature =
          withSignature && keys['signature'] !== undefined
            ? await pki.issue(
                {
                  cardId: id,
                  kind: 'signature',
                  publicKey: Buffer.from(keys['signature'], 'base64'),
                  notBefore: now,
                  notAfter,
                  holder: {
                    name,
                    birthDate: resident.birthDate,
                    sex: resident.sex,
                    address: resident.address,
                  },
                },
                trx,
              )
            : undefined;
        await chip.writeContent(issuerKey, {
          ...(signature === undefined
            ? {}
            : {
                signatureCertificate: signature.der,
                signatureCaCertificate: await pki.caCertificate('signature'),
              }),
          authenticationCertificate: authentication.der,
          authenticationCaCertificate: await pki.caCertificate('authentication'),
          number,
          name,
          address: resident.address,
          birthDate: resident.birthDate.replaceAll('-', ''),
          sex: sexCode(resident.sex),
          expiry: row.expires_on.replaceAll('-', ''),
          securityCode,
          ...(photo === undefined ? {} : { photo }),
        });
        if (withSignature) await chip.setPin(issuerKey, 'signature', input.pins.signature!.toUpperCase());
        await chip.setPin(issuerKey, 'authentication', input.pins.authentication);
        await chip.setPin(issuerKey, 'text', input.pins.text);
        await chip.finalize(issuerKey);
        cardFile = await chip.save(cardKey);
        // A new card replaces the one before it.
        for (const old of await liveCardsOf(trx, row.resident_id))
          if (old.id !== id && old.status !== 'produced' && old.status !== 'ready')
            await end(trx, old, 'superseded', actor);
        await setStatus(trx, row, 'active', {
          handed_over_at: now.toISOString(),
          chip_sealed: null,
          public_keys: null,
          security_sealed: null,
          certificates_expire_on: certificatesExpireOn,
        });
        // The photo now lives on the chip; the contact address has done its job.
        await transition(
          ctx,
          row.application_id,
          ['ready'],
          'handed-over',
          actor,
          { photo_sealed: null, contact_sealed: null },
          trx,
        );
        await recordCardEvent(ctx, trx, id, 'handed-over', actor, null);
      });
      await revokeIfStale(id, resident, actor);
      return { cardFile: cardFile!, cardKey, securityCode, card: cardView(await load(store.db, id)) };
    },

    /** Suspension (一時停止) when the card is lost: its certificates go on hold at once. */
    async suspend(
      id: string,
      input: { channel: 'phone' | 'portal' | 'counter' },
      actor: Actor,
    ): Promise<CardView> {
      await store.db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        requireStatus(row, ['active'], 'suspended');
        for (const cert of await pki.certificatesOf(id, trx)) {
          const status = await pki.status(cert.serial, clock.now(), trx);
          if (status.status === 'good') await pki.hold(cert.serial, clock.now(), trx);
        }
        await setStatus(trx, row, 'suspended');
        await recordCardEvent(ctx, trx, id, 'suspended', actor, input.channel);
      });
      return cardView(await load(store.db, id));
    },

    /** Resumption (一時停止解除) when a suspended card is found again. */
    async resume(id: string, actor: Actor): Promise<CardView> {
      await store.db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        requireStatus(row, ['suspended'], 'resumed');
        for (const cert of await pki.certificatesOf(id, trx)) {
          const status = await pki.status(cert.serial, clock.now(), trx);
          if (status.status === 'revoked' && status.reason === 'certificateHold')
            await pki.release(cert.serial, clock.now(), trx);
        }
        await setStatus(trx, row, 'active');
        await recordCardEvent(ctx, trx, id, 'resumed', actor, null);
      });
      return cardView(await load(store.db, id));
    },

    /** Revocation (廃止): the card and all its certificates end for good. */
    async revoke(id: string, reason: CardEndReason, actor: Actor): Promise<CardView> {
      if (!CARD_END_REASONS.includes(reason))
        throw cardError(
          'CARD_INVALID_REASON',
          'invalid',
          `the reason must be one of ${CARD_END_REASONS.join(', ')}`,
        );
      await store.db.transaction().execute(async (trx) => end(trx, await load(trx, id), reason, actor));
      return cardView(await load(store.db, id));
    },

    /**
     * Certificates at the counter, on the card the holder presents:
     * - renewal, from three months before they expire: the chip makes new key pairs, the
     *   new certificates run to the 6th birthday after today (the 5th if the old ones had
     *   already run out), never beyond the card, and the old ones are revoked as superseded;
     * - a new signature certificate at any time when the card has none in force (it was
     *   revoked when the four basic items changed, or the holder has turned 15); it needs
     *   the signature password the holder chooses.
     */
    async renewCertificates(
      id: string,
      input: { cardFile: Uint8Array; cardKey: Uint8Array; signaturePassword?: string | undefined },
      actor: Actor,
    ): Promise<{ cardFile: Uint8Array; card: CardView }> {
      const chip = await openHolderChip(input.cardFile, input.cardKey, id);
      const first = await load(store.db, id);
      requireStatus(first, ['active'], 'renewed');
      const resident = await registry.get(first.resident_id, actor);
      const today = ctx.today();
      const issuerKey = ctx.issuerKey(id);
      const now = clock.now();
      const password = input.signaturePassword?.toUpperCase();
      let cardFile: Uint8Array | undefined;
      await store.db.transaction().execute(async (trx) => {
        // Checked again inside the transaction: a suspension or revocation racing this
        // renewal must not end with good certificates on a dead card.
        const row = await load(trx, id);
        requireStatus(row, ['active'], 'renewed');
        const live = [];
        for (const c of await pki.certificatesOf(id, trx))
          if ((await pki.status(c.serial, now, trx)).status === 'good') live.push(c);
        const wantsSignature = ageOn(resident.birthDate, today) >= SIGNATURE_CERTIFICATE_MIN_AGE;
        const signatureMissing = wantsSignature && !live.some((c) => c.kind === 'signature');
        const inWindow = today >= renewalOpensOn(row.certificates_expire_on);
        if (!inWindow && !signatureMissing)
          throw cardError(
            'CARD_RENEWAL_TOO_EARLY',
            'conflict',
            `certificates can be renewed from ${renewalOpensOn(row.certificates_expire_on)}`,
          );
        const kinds: ('authentication' | 'signature')[] = inWindow
          ? wantsSignature
            ? ['authentication', 'signature']
            : ['authentication']
          : ['signature'];
        const hadSignaturePin = Number(row.with_signature) === 1;
        if (kinds.includes('signature') && !hadSignaturePin && !SIGNATURE_PASSWORD.test(password ?? ''))
          throw cardError(
            'CARD_PIN_FORMAT',
            'invalid',
            'a new signature certificate needs a signature password',
            [{ at: 'signaturePassword', code: 'FORMAT', message: '6 to 16 letters (A–Z) and digits' }],
          );
        const n = today <= row.certificates_expire_on ? 6 : 5;
        const expiresOn = inWindow
          ? earlier(nthBirthdayAfter(resident.birthDate, today, n), row.expires_on)
          : row.certificates_expire_on;
        if (inWindow) await revokeCertificates(trx, id, 'superseded');
        for (const kind of kinds) {
          const publicKey = await chip.generateKeyPair(issuerKey, kind);
          const cert = await pki.issue(
            {
              cardId: id,
              kind,
              publicKey,
              notBefore: now,
              notAfter: endOfJstDay(expiresOn),
              ...(kind === 'signature'
                ? {
                    holder: {
                      name: fullName(resident),
                      birthDate: resident.birthDate,
                      sex: resident.sex,
                      address: resident.address,
                    },
                  }
                : {}),
            },
            trx,
          );
          await chip.replaceCertificate(issuerKey, kind, cert.der, await pki.caCertificate(kind));
        }
        if (kinds.includes('signature') && password !== undefined && SIGNATURE_PASSWORD.test(password))
          await chip.setPin(issuerKey, 'signature', password);
        cardFile = await chip.save(input.cardKey);
        await setStatus(trx, row, 'active', {
          certificates_expire_on: expiresOn,
          with_signature: kinds.includes('signature') || hadSignaturePin ? 1 : 0,
        });
        await recordCardEvent(
          ctx,
          trx,
          id,
          inWindow ? 'certificates-renewed' : 'signature-certificate-issued',
          actor,
          null,
        );
      });
      await revokeIfStale(id, resident, actor);
      return { cardFile: cardFile!, card: cardView(await load(store.db, id)) };
    },

    /** PIN reset at the counter after identity verification (unlocks a locked PIN). */
    async resetPin(
      id: string,
      input: {
        cardFile: Uint8Array;
        cardKey: Uint8Array;
        pin: 'signature' | 'authentication' | 'text';
        value: string;
        identityConfirmed: boolean;
      },
      actor: Actor,
    ): Promise<Uint8Array> {
      if (input.identityConfirmed !== true)
        throw cardError(
          'CARD_IDENTITY_NOT_CONFIRMED',
          'invalid',
          'confirm the holder’s identity before resetting a PIN',
        );
      const row = await load(store.db, id);
      requireStatus(row, ['active', 'suspended'], 'given a new PIN');
      const value = input.pin === 'signature' ? input.value.toUpperCase() : input.value;
      const ok = input.pin === 'signature' ? SIGNATURE_PASSWORD.test(value) : FOUR_DIGITS.test(value);
      if (!ok)
        throw cardError('CARD_PIN_FORMAT', 'invalid', 'a PIN has the wrong format', [
          {
            at: 'value',
            code: 'FORMAT',
            message: input.pin === 'signature' ? '6–16 letters and digits' : '4 digits',
          },
        ]);
      const chip = await openHolderChip(input.cardFile, input.cardKey, id);
      await chip.setPin(ctx.issuerKey(id), input.pin, value);
      const file = await chip.save(input.cardKey);
      await store.db
        .transaction()
        .execute((trx) => recordCardEvent(ctx, trx, id, 'pin-reset', actor, input.pin));
      return file;
    },

    /** Marks cards past their expiry date as expired; returns how many. */
    async expireDue(actor: Actor): Promise<number> {
      const today = ctx.today();
      const rows = await cardTables(store.db)
        .selectFrom('card')
        .selectAll()
        .where('status', 'in', ['active', 'suspended'])
        .where('expires_on', '<', today)
        .execute();
      let expired = 0;
      for (const row of rows) {
        try {
          await store.db.transaction().execute(async (trx) => {
            await setStatus(trx, row, 'expired', {
              ended_at: clock.now().toISOString(),
              end_reason: 'expired',
            });
            await recordCardEvent(ctx, trx, row.id, 'expired', actor, null);
          });
          expired++;
        } catch (error) {
          // Changed meanwhile (suspended, revoked): the next sweep looks again.
          if (!(error instanceof AppError && error.code === 'CARD_CONCURRENT_UPDATE')) throw error;
        }
      }
      return expired;
    },

    /** Consequences of register changes, delivered by the outbox (at least once). */
    async onBasicItemsChanged(residentId: string, actor: Actor): Promise<void> {
      await store.db.transaction().execute(async (trx) => {
        for (const row of await liveCardsOf(trx, residentId)) {
          // The signature certificate carries the four items, so it dies with them; the
          // authentication certificate carries nothing personal and survives.
          const n = await revokeCertificates(trx, row.id, 'affiliationChanged', 'signature');
          if (n > 0)
            await recordCardEvent(
              ctx,
              trx,
              row.id,
              'signature-certificate-revoked',
              actor,
              'basic-items-changed',
            );
        }
      });
    },

    async onResidentEnded(
      residentId: string,
      reason: 'death' | 'number-reassigned',
      actor: Actor,
    ): Promise<void> {
      await store.db.transaction().execute(async (trx) => {
        for (const row of await liveCardsOf(trx, residentId)) await end(trx, row, reason, actor);
      });
    },
  };

  async function openHolderChip(file: Uint8Array, key: Uint8Array, id: string): Promise<VirtualChip> {
    let chip: VirtualChip;
    try {
      chip = await VirtualChip.open(file, key);
    } catch {
      throw cardError('CARD_FILE_INVALID', 'invalid', 'the card file does not open with this key');
    }
    if (chip.cardId !== id)
      throw cardError('CARD_FILE_MISMATCH', 'invalid', 'the card file belongs to another card');
    return chip;
  }
}

export type Cards = ReturnType<typeof createCards>;
