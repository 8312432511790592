import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AccessRecord,
  accessRow,
  insertAccessRows,
  listAccessRecords,
  type PersonalItem,
} from '../audit/index.ts';
import type { CardAuthentication, CardChallenge } from '../auth/index.ts';
import { type Actor, AppError, type Clock, jstDate } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { CertificateRecord } from '../pki/index.ts';
import type { AnyDb, Capabilities, DomainMigration } from '../store/index.ts';
import {
  CONSENT_TTL_MS,
  type Consent,
  type ConsentItem,
  type ConsentTables,
  consentItems,
  currentConsent,
  giveConsent,
} from './consent.ts';
import type { Eligibility, Qualification, QualificationValidity } from './eligibility.ts';
import { insuranceTables } from './insurance-tables.ts';
import {
  CERTIFICATE_MAX_YEARS,
  type CertificateClaims,
  qrKey,
  renderCertificatePdf,
  signCertificateToken,
  verifyCertificateToken,
} from './qualification-certificate.ts';

/**
 * Online qualification confirmation (オンライン資格確認) at clinic reception, DOMAIN.md §2.2.
 *
 * A medical institution identifies the patient in one of three ways:
 * - `pin`: the card signs a challenge bound to the institution (`clinic:<institutionId>`)
 *   with its authentication key after the 4-digit PIN — proof of the card and its PIN;
 * - `visual`: the reader reads the authentication certificate (no PIN needed) and the face
 *   photo from the card-face AP with collation number B, and the receptionist attests that
 *   the patient is the person in the photo. Myna checks the certificate (chain, validity,
 *   status now) but has **no cryptographic proof that the card was present**: a copy of
 *   the certificate would pass. Possession rests on the receptionist's check, which is why
 *   the mode and the receptionist's actor are recorded. (Real face readers use PIN-less
 *   特定機関認証 signing; the virtual chip does not implement it.)
 * - `certificate`: the QR payload of a 資格確認書 (query mode 2, 被保険者証情報).
 *
 * Then card → resident → eligibility → the answer, with the register's name, kana, birth
 * date and sex (read with an access record naming exactly those items), and an access
 * record the patient sees, written in one transaction with the confirmation's own row.
 * The individual number is never read.
 */

export type ConfirmationMode = 'pin' | 'visual' | 'certificate';
/** 資格有効性 codes of the real response, as the answer's `validityCode` (DOMAIN.md §2.2). */
const VALIDITY_CODE: Readonly<Record<QualificationValidity, string>> = {
  valid: '1',
  invalid: '2',
  superseded: '3',
  none: '4',
  multiple: '5',
};

/** What the confirmation needs from the rest of the insurance domain. */
export interface EligibilitySource {
  /** Pass `db` (a transaction) to read inside the caller's transaction, and the links read in it. */
  eligibility(
    residentId: string,
    at: Date,
    db?: AnyDb,
    links?: readonly { institutionId: string; pseudonym: string }[],
  ): Promise<Eligibility>;
}

/** The register's answer, as far as a confirmation uses it. */
export interface RegisterPerson {
  readonly familyName: string;
  readonly givenName: string | null;
  readonly familyNameKana: string | null;
  readonly givenNameKana: string | null;
  readonly birthDate: string;
  readonly sex: string;
}

export interface ConfirmationDeps {
  readonly db: AnyDb;
  readonly capabilities: Capabilities;
  readonly clock: Clock;
  readonly cardAuth: {
    challenge(audience: string): Promise<CardChallenge>;
    verify(input: {
      challengeId: string;
      audience: string;
      certificate: Uint8Array;
      signature: Uint8Array;
    }): Promise<CardAuthentication>;
    /** `verify` without using the challenge up (see card-auth.ts). */
    check(
      input: { challengeId: string; audience: string; certificate: Uint8Array; signature: Uint8Array },
      at: Date,
    ): Promise<CardAuthentication>;
    /** Uses the challenge up in the caller's transaction, or fails as `verify` would. */
    use(input: { challengeId: string; audience: string }, at: Date, trx: AnyDb): Promise<void>;
  };
  readonly pki: {
    caCertificate(ca: 'authentication'): Promise<Uint8Array>;
    certificate(serial: string): Promise<CertificateRecord | undefined>;
  };
  readonly cards: { get(cardId: string): Promise<{ residentId: string; status: string }> };
  readonly registry: {
    /** With `trx`, the read and its access record are part of the caller's transaction. */
    get(
      id: string,
      actor: Actor,
      options: { items: readonly PersonalItem[]; trx?: AnyDb | undefined },
    ): Promise<RegisterPerson>;
  };
  readonly institutions: { get(id: string): Promise<{ kind: string; name: string; code: string | null }> };
  readonly insurance: EligibilitySource;
  /** The network's pseudonyms: the clinic's own code for the patient, and query mode 2. */
  readonly network: {
    /** Records the pseudonym (first use); pass the transaction of the confirmation. */
    pseudonymOf(institutionId: string, residentId: string, trx?: AnyDb): Promise<string>;
    /** The pseudonym, without recording it. */
    compute(institutionId: string, residentId: string): string;
    residentOf(institutionId: string, pseudonym: string): Promise<string | undefined>;
    /** Every (institution, pseudonym) the resident has; pass the transaction of the confirmation. */
    linksOf(residentId: string, trx?: AnyDb): Promise<{ institutionId: string; pseudonym: string }[]>;
  };
  /** The key ring: 資格確認書 QR payloads are signed under its 'insurance-certificate' key. */
  readonly keys: KeyRing;
}

export interface ConfirmedQualification {
  readonly insurerNumber: string;
  readonly insurerName: string;
  readonly cardClassification: string;
  readonly symbol: string;
  readonly number: string;
  readonly branch: string;
  /** PersonalFamilyClassification: 1 本人 (self) / 2 家族 (dependant). */
  readonly relation: 'self' | 'dependant';
  readonly insuredPersonRelation: string | null;
  readonly copayRatio: number;
  readonly qualificationDate: string;
  readonly validUntil: string | null;
  readonly eligible: boolean;
  /** Set when not eligible: when and why it ended. */
  readonly endedAt: string | null;
  readonly endReason: string | null;
  /** Present only with the patient's 'high-cost' consent; otherwise null. */
  readonly highCostCategory: string | null;
  readonly highCostShown: boolean;
}

export interface ConfirmationAnswer {
  readonly confirmationId: string;
  readonly confirmedAt: string;
  readonly mode: ConfirmationMode;
  readonly validity: QualificationValidity;
  readonly validityCode: string;
  /** The register's items (absent when there is no qualification to show). */
  readonly patient: {
    readonly name: string;
    readonly kana: string | null;
    readonly birthDate: string;
    readonly sex: string;
  } | null;
  readonly qualifications: ConfirmedQualification[];
  /** The consent in force for this institution (null: none). */
  readonly consent: Consent | null;
  /** The items this answer returned, as recorded in the patient's access record. */
  readonly items: PersonalItem[];
}

export type ConfirmationTables = ConsentTables & {
  insurance_confirmation: {
    id: string;
    access_record_id: string;
    at: string;
    institution_id: string;
    pseudonym: string;
    mode: string;
    validity: string;
    items: string;
    consents: string;
    actor_id: string;
    request_id: string | null;
  };
};

export const confirmationMigrations: DomainMigration[] = [
  {
    name: '0015-insurance-confirm-tables',
    async up(db) {
      await db.schema
        .createTable('insurance_consent')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('given_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('insurance_consent_patient')
        .on('insurance_consent')
        .columns(['institution_id', 'pseudonym', 'given_at'])
        .execute();
      await db.schema
        .createTable('insurance_confirmation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('access_record_id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('validity', 'text', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('consents', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('insurance_confirmation_institution')
        .on('insurance_confirmation')
        .columns(['institution_id', 'pseudonym', 'at'])
        .execute();
    },
  },
];

/** A confirmation as the patient sees it in the portal. */
export interface ConfirmationRecord {
  readonly id: string;
  readonly at: string;
  readonly institution: { readonly id: string; readonly name: string; readonly code: string | null };
  readonly mode: ConfirmationMode;
  readonly validity: QualificationValidity;
  readonly items: PersonalItem[];
  readonly consents: ConsentItem[];
}

const REGISTER_ITEMS: readonly PersonalItem[] = ['name', 'kana', 'birth-date', 'sex'];
export const CLINIC_AUDIENCE_PREFIX = 'clinic:';
const DAY_MS = 86_400_000;

const err = (code: string, kind: 'invalid' | 'forbidden' | 'conflict' | 'not-found', message: string) =>
  new AppError(code, kind, message);

/** The institution the actor acts for, which must be a medical institution. */
function clinicOf(actor: Actor): string {
  if (actor.role !== 'clinic-receptionist' || actor.institutionId === undefined)
    throw err(
      'INSURANCE_NOT_A_CLINIC',
      'forbidden',
      'Only a medical institution (clinic-receptionist) confirms qualifications.',
    );
  return actor.institutionId;
}

export const clinicAudience = (institutionId: string): string => `${CLINIC_AUDIENCE_PREFIX}${institutionId}`;

/** The card's state as a clinic needs to hear it: a stable code for each reason it cannot be used. */
function cardRefusal(error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  switch (error.code) {
    case 'AUTH_CARD_SUSPENDED':
      return err(
        'INSURANCE_CARD_SUSPENDED',
        'conflict',
        'The card is suspended (reported lost): it cannot confirm insurance. Ask for another proof (資格確認書).',
      );
    case 'AUTH_CERTIFICATE_REVOKED':
      return err(
        'INSURANCE_CARD_REVOKED',
        'conflict',
        "The card's authentication certificate is revoked: the card cannot confirm insurance.",
      );
    case 'AUTH_CERTIFICATE_EXPIRED':
      return err(
        'INSURANCE_CARD_EXPIRED',
        'conflict',
        "The card's authentication certificate has expired: the card cannot confirm insurance.",
      );
    default:
      return error;
  }
}

const today = (d: Date): string => jstDate(d);

/** In force on `day` (YYYY-MM-DD, JST): qualified, not lost, not past its validity. */
const inForceOn = (q: Qualification, day: string): boolean =>
  q.qualificationDate <= day &&
  (q.endedAt === null || day < q.endedAt) &&
  (q.validUntil === null || day <= q.validUntil);

/**
 * What a clinic is shown: the qualifications in force, or, when none is, only the latest
 * one with why it ended — never the patient's whole insurance history.
 */
function toShow(eligibility: Eligibility, day: string): Qualification[] {
  if (eligibility.validity === 'none') return [];
  const current = eligibility.qualifications.filter((q) => inForceOn(q, day));
  return current.length > 0 ? current : eligibility.qualifications.slice(0, 1);
}

export function createConfirmations(deps: ConfirmationDeps) {
  const certificateKey = qrKey(deps.keys);
  /**
   * Query mode 2: the resident behind an insurer's 記号・番号・枝番 — the enrolment in force
   * (or else the latest one), its insurer's pseudonym, and the network's translation.
   */
  async function residentOfInsured(q: {
    insurerNumber: string;
    symbol: string;
    number: string;
    branch: string;
  }): Promise<string | undefined> {
    const it = insuranceTables(deps.db);
    const row =
      (await it
        .selectFrom('enrolment')
        .select(['pseudonym', 'link_status'])
        .where('active_key', '=', [q.insurerNumber, q.symbol, q.number, q.branch].join('|'))
        .executeTakeFirst()) ??
      (await it
        .selectFrom('enrolment')
        .select(['pseudonym', 'link_status'])
        .where('insurer_number', '=', q.insurerNumber)
        .where('symbol', '=', q.symbol)
        .where('number', '=', q.number)
        .where('branch', '=', q.branch)
        .where('link_status', '=', 'linked')
        .orderBy('qualification_date', 'desc')
        .limit(1)
        .executeTakeFirst());
    if (row?.pseudonym == null || row.link_status !== 'linked') return undefined;
    const insurer = await it
      .selectFrom('insurer')
      .select('institution_id')
      .where('insurer_number', '=', q.insurerNumber)
      .executeTakeFirst();
    return insurer === undefined ? undefined : deps.network.residentOf(insurer.institution_id, row.pseudonym);
  }
  const t = (db: AnyDb = deps.db): Kysely<ConfirmationTables> => db.withTables<ConfirmationTables>();
  /** Authentication certificates already found chained to our CA, by SHA-256 (visual mode). */
  const chained = new Map<
    string,
    { der: Buffer; serial: string; validFrom: number; validTo: number; key: KeyObject }
  >();
  let ca: X509Certificate | undefined;

  /**
   * Visual mode: the certificate read from the chip without a PIN. Chain, the CA's record
   * (kind, hash, card), validity and status now; no signature proves the card was present.
   */
  async function checkCertificate(der: Buffer, now: Date): Promise<string> {
    const sha256 = createHash('sha256').update(der).digest('hex');
    let known = chained.get(sha256);
    if (known === undefined || !known.der.equals(der)) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(der);
      } catch {
        throw err('INSURANCE_CERTIFICATE_UNREADABLE', 'invalid', 'The card certificate is not DER X.509.');
      }
      ca ??= new X509Certificate(await deps.pki.caCertificate('authentication'));
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
        throw new AppError(
          'AUTH_CERTIFICATE_UNTRUSTED',
          'unauthenticated',
          'the certificate is not from the Myna user-authentication CA',
        );
      known = {
        der: Buffer.from(der),
        serial: cert.serialNumber.toLowerCase(),
        validFrom: new Date(cert.validFrom).getTime(),
        validTo: new Date(cert.validTo).getTime(),
        key: cert.publicKey,
      };
      if (chained.size >= 10_000) chained.delete(chained.keys().next().value as string);
      chained.set(sha256, known);
    }
    const record =
      (await deps.pki.certificate(known.serial)) ??
      (await deps.pki.certificate(known.serial.replace(/^(00)+/, '')));
    if (record === undefined || record.kind !== 'authentication' || record.sha256 !== sha256)
      throw new AppError(
        'AUTH_CERTIFICATE_UNTRUSTED',
        'unauthenticated',
        'the certificate is not one this CA issued for authentication',
      );
    if (now.getTime() < known.validFrom || now.getTime() > known.validTo)
      throw cardRefusal(new AppError('AUTH_CERTIFICATE_EXPIRED', 'unauthenticated', 'expired'));
    if (record.status === 'hold')
      throw cardRefusal(new AppError('AUTH_CARD_SUSPENDED', 'unauthenticated', 'suspended'));
    if (record.status !== 'good')
      throw cardRefusal(new AppError('AUTH_CERTIFICATE_REVOKED', 'unauthenticated', 'revoked'));
    return record.cardId;
  }

  async function residentOfCard(cardId: string): Promise<string> {
    const card = await deps.cards.get(cardId);
    if (card.status === 'suspended') throw cardRefusal(new AppError('AUTH_CARD_SUSPENDED', 'conflict', ''));
    if (card.status === 'expired')
      throw cardRefusal(new AppError('AUTH_CERTIFICATE_EXPIRED', 'conflict', ''));
    if (card.status !== 'active') throw cardRefusal(new AppError('AUTH_CERTIFICATE_REVOKED', 'conflict', ''));
    return card.residentId;
  }

  /**
   * Eligibility → answer → access records + confirmation row (+ consent), all in one
   * transaction: the reads see one state, and one commit makes the register read's access
   * record, the confirmation's access record and its row durable together (or none).
   */
  async function answer(
    residentId: string,
    mode: ConfirmationMode,
    actor: Actor,
    institutionId: string,
    now: Date,
    chosen: readonly ConsentItem[] | undefined,
    expectBirthDate?: string,
    first?: (trx: AnyDb) => Promise<void>,
  ): Promise<ConfirmationAnswer> {
    return deps.db.transaction().execute(async (trx) => {
      if (first !== undefined) await first(trx);
      return answerIn(trx, residentId, mode, actor, institutionId, now, chosen, expectBirthDate);
    });
  }

  async function answerIn(
    trx: AnyDb,
    residentId: string,
    mode: ConfirmationMode,
    actor: Actor,
    institutionId: string,
    now: Date,
    chosen: readonly ConsentItem[] | undefined,
    expectBirthDate: string | undefined,
  ): Promise<ConfirmationAnswer> {
    const links = await deps.network.linksOf(residentId, trx);
    const eligibility = await deps.insurance.eligibility(residentId, now, trx, links);
    // Recorded with the confirmation below, unless the network handed it out already.
    const pseudonym = deps.network.compute(institutionId, residentId);
    const linked = links.some((l) => l.institutionId === institutionId && l.pseudonym === pseudonym);
    const previous =
      chosen === undefined ? await currentConsent(trx, institutionId, pseudonym, now) : undefined;
    const consentInForce: Consent | null =
      chosen === undefined
        ? (previous ?? null)
        : {
            items: consentItems(chosen),
            givenAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + CONSENT_TTL_MS).toISOString(),
          };
    const highCost = consentInForce?.items.includes('high-cost') === true;
    const day = today(now);
    const shown = toShow(eligibility, day);
    let patient: ConfirmationAnswer['patient'] = null;
    const items: PersonalItem[] = [];
    if (shown.length > 0) {
      const person = await deps.registry.get(residentId, actor, { items: REGISTER_ITEMS, trx });
      if (expectBirthDate !== undefined && person.birthDate !== expectBirthDate)
        throw err(
          'INSURANCE_CERTIFICATE_MISMATCH',
          'conflict',
          'The certificate does not match the enrolment any more; the insurer issues a new one.',
        );
      patient = {
        name: [person.familyName, person.givenName].filter((x) => x).join(' '),
        kana:
          person.familyNameKana === null && person.givenNameKana === null
            ? null
            : [person.familyNameKana, person.givenNameKana].filter((x) => x).join(' '),
        birthDate: person.birthDate,
        sex: person.sex,
      };
      items.push(...REGISTER_ITEMS, 'insurance');
      if (highCost && shown.some((q) => q.highCostCategory !== null)) items.push('high-cost-category');
    }
    const qualifications: ConfirmedQualification[] = shown.map((q) => ({
      insurerNumber: q.insurerNumber,
      insurerName: q.insurerName,
      cardClassification: q.cardClassification,
      symbol: q.symbol,
      number: q.number,
      branch: q.branch,
      relation: q.relation,
      insuredPersonRelation: q.relation === 'dependant' ? (q.insuredPersonRelation ?? null) : null,
      copayRatio: q.copayRatio,
      qualificationDate: q.qualificationDate,
      validUntil: q.validUntil,
      eligible: inForceOn(q, day),
      endedAt: q.endedAt,
      endReason: q.endReason,
      highCostCategory: highCost ? q.highCostCategory : null,
      highCostShown: highCost,
    }));
    const access = accessRow({
      actor: { ...actor, purpose: 'qualification-confirmation' },
      action: 'confirm-qualification',
      residentId,
      items,
      at: now,
    });
    const accessId = String(access[0]);
    if (!linked) await deps.network.pseudonymOf(institutionId, residentId, trx);
    await insertAccessRows(trx, deps.capabilities, [access]);
    await t(trx)
      .insertInto('insurance_confirmation')
      .values({
        id: accessId,
        access_record_id: accessId,
        at: now.toISOString(),
        institution_id: institutionId,
        pseudonym,
        mode,
        validity: eligibility.validity,
        items: items.join(','),
        consents: (consentInForce?.items ?? []).join(','),
        actor_id: actor.id,
        request_id: actor.requestId ?? null,
      })
      .execute();
    if (chosen !== undefined) await giveConsent(trx, { institutionId, pseudonym, items: chosen, at: now });
    return {
      confirmationId: accessId,
      confirmedAt: now.toISOString(),
      mode,
      validity: eligibility.validity,
      validityCode: VALIDITY_CODE[eligibility.validity],
      patient,
      qualifications,
      consent: consentInForce,
      items,
    };
  }

  return {
    /** A challenge for the card on the clinic's reader, bound to the clinic. */
    async challenge(actor: Actor): Promise<CardChallenge> {
      return deps.cardAuth.challenge(clinicAudience(clinicOf(actor)));
    },

    /** Mode 'pin': the card's signature over the clinic's challenge. */
    async confirmWithPin(
      input: {
        challengeId: string;
        certificate: Uint8Array;
        signature: Uint8Array;
        consent?: readonly ConsentItem[] | undefined;
      },
      actor: Actor,
    ): Promise<ConfirmationAnswer> {
      const institutionId = clinicOf(actor);
      const now = deps.clock.now();
      const signed = {
        challengeId: input.challengeId,
        audience: clinicAudience(institutionId),
        certificate: input.certificate,
        signature: input.signature,
      };
      let who: CardAuthentication;
      try {
        who = await deps.cardAuth.check(signed, now);
      } catch (error) {
        throw cardRefusal(error);
      }
      // Read outside the transaction (the card service uses its own connection); a refusal
      // is reported after the challenge's own problems, as when verify used it up first.
      const card = await residentOfCard(who.cardId).then(
        (residentId) => ({ residentId }),
        (error: unknown) => ({ error }),
      );
      // The challenge is used up in the confirmation's transaction: one commit makes the
      // use, the access records and the confirmation durable together; a confirmation
      // that fails leaves the challenge unused, and it still serves only once.
      return answer(
        'residentId' in card ? card.residentId : '',
        'pin',
        actor,
        institutionId,
        now,
        input.consent,
        undefined,
        async (trx) => {
          await deps.cardAuth.use(signed, now, trx);
          if ('error' in card) throw card.error;
        },
      );
    },

    /**
     * Mode 'visual': the certificate read without a PIN, and the receptionist's attestation
     * that they compared the patient with the chip's face photo. See the module comment for
     * what this does not prove.
     */
    async confirmVisually(
      input: {
        certificate: Uint8Array;
        comparedWithPhoto: boolean;
        consent?: readonly ConsentItem[] | undefined;
      },
      actor: Actor,
    ): Promise<ConfirmationAnswer> {
      const institutionId = clinicOf(actor);
      // Without the PIN nothing proves the card is on the reader (the virtual chip has no
      // PIN-less signing): a visual check may read eligibility, never change consent.
      if (input.consent !== undefined)
        throw err(
          'INSURANCE_CONSENT_NEEDS_PIN',
          'invalid',
          'Consent is given with the card and its PIN (mode pin); a visual check keeps the consent in force.',
        );
      if (input.comparedWithPhoto !== true)
        throw err(
          'INSURANCE_VISUAL_CHECK_REQUIRED',
          'invalid',
          'Visual mode needs the receptionist to compare the patient with the photo on the chip (comparedWithPhoto: true).',
        );
      const now = deps.clock.now();
      const der = Buffer.from(
        input.certificate.buffer,
        input.certificate.byteOffset,
        input.certificate.byteLength,
      );
      const cardId = await checkCertificate(der, now);
      const residentId = await residentOfCard(cardId);
      return answer(residentId, 'visual', actor, institutionId, now, undefined);
    },

    /** Query mode 2: the QR payload of a 資格確認書. Consent cannot change without a card. */
    async confirmWithCertificate(payload: string, actor: Actor): Promise<ConfirmationAnswer> {
      const institutionId = clinicOf(actor);
      const now = deps.clock.now();
      const claims: CertificateClaims = verifyCertificateToken(certificateKey, payload, now);
      const residentId = await residentOfInsured({
        insurerNumber: claims.ins,
        symbol: claims.sym,
        number: claims.num,
        branch: claims.br,
      });
      if (residentId === undefined)
        throw err(
          'INSURANCE_CERTIFICATE_UNKNOWN',
          'not-found',
          'No enrolment has the insurer number, symbol, number and branch this certificate names.',
        );
      return answer(residentId, 'certificate', actor, institutionId, now, undefined, claims.bd);
    },

    /** The patient's own confirmations, newest first: which institution, when, how, what, which consents. */
    async confirmationsOf(residentId: string, limit = 100): Promise<ConfirmationRecord[]> {
      // The access records are the durable log (oldest first); walk them a page at a time.
      const records: AccessRecord[] = [];
      for (let after: string | undefined; ; ) {
        const page = await listAccessRecords(deps.db, { residentId, after, limit: 1000 });
        for (const r of page) if (r.action === 'confirm-qualification') records.push(r);
        if (page.length < 1000) break;
        after = page.at(-1)!.id;
      }
      const wanted = records.slice(-limit).reverse();
      if (wanted.length === 0) return [];
      const rows = await t()
        .selectFrom('insurance_confirmation')
        .selectAll()
        .where(
          'access_record_id',
          'in',
          wanted.map((r) => r.id),
        )
        .execute();
      const byId = new Map(rows.map((r) => [r.access_record_id, r]));
      const names = new Map<string, { id: string; name: string; code: string | null }>();
      const out: ConfirmationRecord[] = [];
      for (const r of wanted) {
        const row = byId.get(r.id);
        if (row === undefined) continue;
        let institution = names.get(row.institution_id);
        if (institution === undefined) {
          const i = await deps.institutions.get(row.institution_id).catch(() => undefined);
          institution = { id: row.institution_id, name: i?.name ?? '', code: i?.code ?? null };
          names.set(row.institution_id, institution);
        }
        out.push({
          id: row.id,
          at: row.at,
          institution,
          mode: row.mode as ConfirmationMode,
          validity: row.validity as QualificationValidity,
          items: r.items,
          consents: consentItems(row.consents === '' ? [] : row.consents.split(',')),
        });
      }
      return out;
    },

    /**
     * 資格確認書: an insurer officer issues a certificate for one of its own enrolees who is
     * eligible now. Valid to the qualification's end or five years, whichever comes first.
     */
    async issueCertificate(
      input: { symbol: string; number: string; branch: string },
      actor: Actor,
    ): Promise<{ pdf: Buffer; token: string; validUntil: string }> {
      if (actor.role !== 'insurer-officer' || actor.institutionId === undefined)
        throw err(
          'INSURANCE_NOT_AN_INSURER',
          'forbidden',
          'Only an insurer issues qualification certificates.',
        );
      const insurer = await deps.institutions.get(actor.institutionId);
      if (insurer.kind !== 'insurer' || insurer.code === null)
        throw err(
          'INSURANCE_NOT_AN_INSURER',
          'forbidden',
          'Only an insurer issues qualification certificates.',
        );
      const insurerNumber = insurer.code;
      const now = deps.clock.now();
      const residentId = await residentOfInsured({ insurerNumber, ...input });
      const eligibility =
        residentId === undefined ? undefined : await deps.insurance.eligibility(residentId, now);
      const q = eligibility?.qualifications.find(
        (x) =>
          x.insurerNumber === insurerNumber &&
          x.symbol === input.symbol &&
          x.number === input.number &&
          x.branch === input.branch,
      );
      if (residentId === undefined || q === undefined)
        throw err(
          'INSURANCE_ENROLMENT_NOT_FOUND',
          'not-found',
          'No enrolment of this insurer has this symbol, number and branch.',
        );
      if (!inForceOn(q, today(now)))
        throw err(
          'INSURANCE_NOT_ELIGIBLE',
          'conflict',
          `The enrolment has ended${q.endReason ? ` (${q.endReason})` : ''}: no certificate is issued.`,
        );
      const person = await deps.registry.get(residentId, actor, { items: REGISTER_ITEMS });
      const issuedOn = today(now);
      const fiveYears = new Date(
        Date.UTC(
          Number(issuedOn.slice(0, 4)) + CERTIFICATE_MAX_YEARS,
          Number(issuedOn.slice(5, 7)) - 1,
          Number(issuedOn.slice(8, 10)),
        ) - DAY_MS,
      )
        .toISOString()
        .slice(0, 10);
      const validUntil = q.validUntil !== null && q.validUntil < fiveYears ? q.validUntil : fiveYears;
      // The certificate works to the end of its last day in Japan (UTC+9).
      const exp = Math.floor((Date.parse(`${validUntil}T00:00:00Z`) + DAY_MS - 9 * 3_600_000) / 1000);
      const token = signCertificateToken(certificateKey, {
        ins: insurerNumber,
        sym: input.symbol,
        num: input.number,
        br: input.branch,
        bd: person.birthDate,
        iat: Math.floor(now.getTime() / 1000),
        exp,
      });
      const pdf = await renderCertificatePdf({
        insurerNumber,
        insurerName: q.insurerName || insurer.name,
        symbol: q.symbol,
        number: q.number,
        branch: q.branch,
        name: [person.familyName, person.givenName].filter((x) => x).join(' '),
        kana: [person.familyNameKana, person.givenNameKana].filter((x) => x).join(' ') || null,
        birthDate: person.birthDate,
        sex: person.sex,
        relation: q.relation,
        insuredPersonRelation: q.insuredPersonRelation ?? null,
        copayRatio: q.copayRatio,
        qualificationDate: q.qualificationDate,
        issuedOn,
        validUntil,
        qr: token,
      });
      return { pdf, token, validUntil };
    },
  };
}

export type Confirmations = ReturnType<typeof createConfirmations>;
