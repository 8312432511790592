import { createHash, X509Certificate } from 'node:crypto';
import { type Actor, AppError, type Clock } from '../core/index.ts';
import {
  certificateHolder,
  type Holder,
  type Pki,
  type RevocationReason,
  type RevocationStatus,
  verifyCms,
} from '../pki/index.ts';
import type { Registry } from '../registry/index.ts';
import { fullName } from './applications.ts';
import type { Cards } from './cards.ts';
import { cardError } from './errors.ts';
import { type SignerLegalBasis, signerLegalBasis } from './signer-legal-bases.ts';

/**
 * What a relying party (an online service, a tax office, a bank) learns about a document
 * signed with a card's signature certificate: whether it verifies, who signed it, when,
 * and the certificate's status then and now; and, after the certificate was revoked
 * because the signer's four basic items changed, the signer's current items (the real
 * system's 基本4情報提供 to signature verifiers).
 */
export interface SignerDeps {
  readonly clock: Clock;
  readonly pki: Pki;
  readonly registry: Registry;
  readonly cards: Pick<Cards, 'get' | 'ofResident'>;
}

/**
 * Revocation reasons after which the key itself cannot be trusted, at any claimed time:
 * the card may be in someone else's hands (lost and on hold, compromised, or revoked for
 * a reason nobody recorded). The same rule as the public verification endpoint.
 */
export const UNTRUSTED_KEY_REASONS: ReadonlySet<RevocationReason> = new Set([
  'keyCompromise',
  'certificateHold',
  'unspecified',
]);

export interface CertificateStatusReport {
  readonly status: 'good' | 'revoked' | 'unknown';
  /** Set when revoked; `certificateHold` is a suspension (lost card). */
  readonly reason?: RevocationReason;
  readonly revokedAt?: string;
  /** The instant this status refers to. */
  readonly at: string;
}

export type InvalidSignatureReason = 'revoked-at-signing' | 'key-not-trusted';

export interface RelyingPartyVerification {
  readonly valid: boolean;
  /** Why `valid` is false; absent when valid. */
  readonly invalid?: { readonly code: InvalidSignatureReason; readonly message: string };
  /** The CMS signingTime. */
  readonly signedAt: string;
  /**
   * The signing time is written by the signer and not vouched for by a time-stamp
   * authority: the signature proves the document, not the hour.
   */
  readonly signedAtSource: 'signer-claim';
  readonly certificate: {
    readonly serial: string;
    readonly issuer: string;
    readonly notBefore: string;
    readonly notAfter: string;
  };
  readonly statusAtSigning: CertificateStatusReport;
  readonly statusNow: CertificateStatusReport;
  /** The four basic items as the certificate carries them, only when asked for. */
  readonly signer?: Holder;
}

export interface SignerCurrentItems {
  readonly serial: string;
  readonly revokedAt: string;
  readonly reason: 'affiliationChanged';
  /** The signer's four basic items as the register holds them now. */
  readonly current: Holder;
  /** A signature certificate issued after the revoked one and in force now, if any. */
  readonly newerCertificate: {
    readonly serial: string;
    readonly notBefore: string;
    readonly notAfter: string;
  } | null;
  readonly legalBasis: string;
}

/** A signature certificate, by serial (hex) or as the certificate itself (DER or PEM). */
export type SignerReference = string | { readonly certificate: Uint8Array };

const SERIAL = /^[0-9a-f]{1,64}$/;

function report(status: RevocationStatus, at: Date): CertificateStatusReport {
  return {
    status: status.status,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    ...(status.revokedAt === undefined ? {} : { revokedAt: status.revokedAt.toISOString() }),
    at: at.toISOString(),
  };
}

function unknownCertificate(): AppError {
  return new AppError('PKI_UNKNOWN_CERTIFICATE', 'not-found', 'no certificate with that serial');
}

const REASON_TEXT: Partial<Record<RevocationReason, string>> = {
  affiliationChanged: 'the basic items changed (a move, a name change)',
  keyCompromise: 'the card was reported lost or its key compromised',
  certificateHold: 'the card is suspended (reported lost)',
  superseded: 'it was replaced (a renewal or a new card)',
  cessationOfOperation: 'the card ended (holder request, death or a new individual number)',
  unspecified: 'a recording error or an unstated reason',
  privilegeWithdrawn: 'the privilege was withdrawn',
};

export function createSigners(deps: SignerDeps) {
  const { clock, pki, registry, cards } = deps;

  /** Serial and CA record of a referenced signature certificate; refuses anything else. */
  async function resolve(ref: SignerReference) {
    let serial: string;
    let sha256: string | undefined;
    if (typeof ref === 'string') {
      serial = ref.trim().toLowerCase();
      if (!SERIAL.test(serial)) throw unknownCertificate();
    } else {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(ref.certificate);
      } catch (cause) {
        throw new AppError('PKI_CERTIFICATE_MALFORMED', 'invalid', 'the bytes are not an X.509 certificate', {
          cause,
        });
      }
      serial = cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');
      sha256 = createHash('sha256').update(cert.raw).digest('hex');
    }
    const record = await pki.certificate(serial);
    // A certificate we did not issue, even one that borrows a serial of ours, is unknown.
    if (record === undefined || (sha256 !== undefined && record.sha256 !== sha256))
      throw unknownCertificate();
    if (record.kind !== 'signature') throw notSignatureCertificate();
    return record;
  }

  function checkBasis(id: string, actor: Actor): SignerLegalBasis {
    const basis = signerLegalBasis(id);
    if (basis === undefined)
      throw cardError(
        'CARD_LEGAL_BASIS_UNKNOWN',
        'forbidden',
        'the current items of a signer are given only on a legal basis from the table',
        [{ at: 'legalBasis', code: 'UNKNOWN', message: 'not a legal basis for signer change tracking' }],
      );
    if (!(basis.roles as readonly string[]).includes(actor.role) || !basis.purposes.includes(actor.purpose))
      throw cardError(
        'CARD_LEGAL_BASIS_NOT_APPLICABLE',
        'forbidden',
        `the legal basis ${basis.id} covers the roles ${basis.roles.join(', ')} for the purposes ${basis.purposes.join(', ')}`,
      );
    return basis;
  }

  return {
    /**
     * Verifies a CMS signature for a relying party. Malformed input, a foreign CA, a
     * document that is not the one signed, or a certificate not valid at the signing time
     * fail with their CMS_ codes; a signature made while the certificate was revoked or on
     * hold, or with a key that cannot be trusted now, is reported with `valid: false`.
     */
    async verifyForRelyingParty(
      signature: Uint8Array,
      content: Uint8Array,
      options: { includeItems: boolean },
    ): Promise<RelyingPartyVerification> {
      const now = clock.now();
      let atSigning: RevocationStatus | undefined;
      const result = await verifyCms({
        signature,
        content,
        trustAnchors: [await pki.caCertificate('root')],
        // Both issuing CAs, so that a CMS made with an authentication key is named as such.
        intermediates: [await pki.caCertificate('signature'), await pki.caCertificate('authentication')],
        // Every other check runs first; the status is judged below, so that a revoked
        // certificate is reported rather than thrown.
        status: async (certificate, at) => {
          atSigning = await pki.status(certificate.serial, at);
          return atSigning.status === 'unknown' ? 'unknown' : 'good';
        },
        now,
      });
      const serial = result.signer.serial;
      const record = await pki.certificate(serial);
      if (record === undefined || atSigning === undefined)
        throw new AppError(
          'CMS_STATUS_UNKNOWN',
          'invalid',
          'The revocation status of the signer certificate is unknown',
        );
      if (record.sha256 !== createHash('sha256').update(result.signer.der).digest('hex'))
        throw new AppError('CMS_UNTRUSTED', 'invalid', 'The CA has no record of the signer certificate');
      // The authentication certificate also allows digitalSignature, but it stands for a
      // log-in, not for a document, and names nobody.
      if (record.kind !== 'signature') throw notSignatureCertificate();
      const statusNow = await pki.status(serial, now);
      let invalid: RelyingPartyVerification['invalid'];
      if (atSigning.status === 'revoked')
        invalid = {
          code: 'revoked-at-signing',
          message:
            atSigning.reason === 'certificateHold'
              ? 'the certificate was suspended (card reported lost) at the signing time'
              : `the certificate had been revoked before the signing time, because ${REASON_TEXT[atSigning.reason ?? 'unspecified'] ?? atSigning.reason}`,
        };
      else if (statusNow.status === 'revoked' && UNTRUSTED_KEY_REASONS.has(statusNow.reason ?? 'unspecified'))
        invalid = {
          code: 'key-not-trusted',
          message: `the certificate is now ${statusNow.reason === 'certificateHold' ? 'suspended' : 'revoked'} because ${REASON_TEXT[statusNow.reason ?? 'unspecified']}; the signing time is the signer's own claim, so no signature from this key is trusted`,
        };
      const holder = options.includeItems ? certificateHolder(result.signer.der) : undefined;
      return {
        valid: invalid === undefined,
        ...(invalid === undefined ? {} : { invalid }),
        signedAt: result.signingTime.toISOString(),
        signedAtSource: 'signer-claim',
        certificate: {
          serial,
          issuer: result.signer.issuer,
          notBefore: result.signer.notBefore.toISOString(),
          notAfter: result.signer.notAfter.toISOString(),
        },
        statusAtSigning: report(atSigning, result.signingTime),
        statusNow: report(statusNow, now),
        ...(holder === undefined ? {} : { signer: holder }),
      };
    },

    /**
     * The current four basic items of a signer whose signature certificate was revoked
     * because those items changed, on a legal basis from the table. The register is read
     * as `actor`, so the access record names the relying party and its purpose. Refuses
     * certificates in force, revoked for other reasons, unknown, and deceased signers.
     */
    async currentItemsOfSigner(
      ref: SignerReference,
      options: { actor: Actor; legalBasis: string },
    ): Promise<SignerCurrentItems> {
      const basis = checkBasis(options.legalBasis, options.actor);
      const record = await resolve(ref);
      const now = clock.now();
      if (record.status === 'good') {
        if (record.notAfter.getTime() < now.getTime())
          throw cardError(
            'CARD_SIGNER_NOT_CHANGE_REVOKED',
            'conflict',
            `the certificate expired on ${record.notAfter.toISOString()}; it was not revoked for a change of the basic items`,
          );
        throw cardError(
          'CARD_SIGNER_CERTIFICATE_IN_FORCE',
          'conflict',
          'the certificate is in force: the basic items it carries are current',
        );
      }
      const reason = record.reason ?? 'unspecified';
      if (record.status !== 'revoked' || reason !== 'affiliationChanged')
        throw cardError(
          'CARD_SIGNER_NOT_CHANGE_REVOKED',
          'conflict',
          `the certificate was ${record.status === 'hold' ? 'suspended' : 'revoked'} because ${REASON_TEXT[reason] ?? reason}, not because the basic items changed`,
        );
      const card = await cards.get(record.cardId);
      // Known from the card alone: refuse before reading the register.
      if (card.endReason === 'death') throw deceased();
      const resident = await registry.get(card.residentId, options.actor, {
        items: ['name', 'birth-date', 'sex', 'address'],
      });
      // The outbox may not have ended the card yet.
      if (resident.status === 'deceased') throw deceased();
      return {
        serial: record.serial,
        revokedAt: (record.statusAt ?? now).toISOString(),
        reason: 'affiliationChanged',
        current: {
          name: fullName(resident),
          birthDate: resident.birthDate,
          sex: resident.sex,
          address: resident.address,
        },
        newerCertificate: await newerSignatureCertificate(card.residentId, record.issuedAt, now),
        legalBasis: basis.id,
      };
    },
  };

  /** The latest signature certificate issued after `after` that is in force now. */
  async function newerSignatureCertificate(
    residentId: string,
    after: Date,
    now: Date,
  ): Promise<SignerCurrentItems['newerCertificate']> {
    let best: { serial: string; issuedAt: Date; notBefore: Date; notAfter: Date } | undefined;
    for (const card of await cards.ofResident(residentId)) {
      for (const cert of await pki.certificatesOf(card.id)) {
        if (cert.kind !== 'signature' || cert.issuedAt.getTime() <= after.getTime()) continue;
        if (cert.notAfter.getTime() < now.getTime()) continue;
        if ((await pki.status(cert.serial, now)).status !== 'good') continue;
        if (best === undefined || cert.issuedAt.getTime() > best.issuedAt.getTime()) best = cert;
      }
    }
    return best === undefined
      ? null
      : {
          serial: best.serial,
          notBefore: best.notBefore.toISOString(),
          notAfter: best.notAfter.toISOString(),
        };
  }
}

export type Signers = ReturnType<typeof createSigners>;

function notSignatureCertificate(): AppError {
  return cardError(
    'CARD_NOT_SIGNATURE_CERTIFICATE',
    'invalid',
    'not a signature certificate: an authentication certificate signs no documents and names nobody',
  );
}

function deceased(): AppError {
  return cardError(
    'CARD_SIGNER_DECEASED',
    'conflict',
    'the signer is recorded as deceased; no current items are given',
  );
}
