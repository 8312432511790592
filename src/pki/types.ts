import type * as pkijs from 'pkijs';
import type { Holder } from './holder.ts';

/** The hierarchy: one root and two issuing CAs, one per certificate kind. */
export type CaName = 'root' | 'signature' | 'authentication';
export type CertificateKind = 'signature' | 'authentication';
export const CA_NAMES: readonly CaName[] = ['root', 'signature', 'authentication'];

/** RFC 5280 CRLReason values Myna uses (`certificateHold` is a suspension, see `hold`). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'privilegeWithdrawn';

export const REASON_CODE: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
};

export interface AuthorityInfo {
  readonly ca: CaName;
  /** The CA's subject DN as OpenSSL prints it in one line, e.g. `C=JP, O=JPKI, OU=Myna Root CA`. */
  readonly subject: string;
  readonly serial: string;
  /** SHA-256 fingerprint of the CA certificate, colon-separated upper-case hex. */
  readonly sha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertificateRequest {
  readonly cardId: string;
  readonly kind: CertificateKind;
  /** SubjectPublicKeyInfo, DER (the chip's RSA-2048 key). */
  readonly publicKey: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Required for a signature certificate, forbidden for an authentication certificate. */
  readonly holder?: Holder | undefined;
}

export interface IssuedCertificate {
  /** Lower-case hex of a random positive 128-bit serial number. */
  readonly serial: string;
  readonly ca: CaName;
  readonly kind: CertificateKind;
  readonly der: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertificateRecord {
  readonly serial: string;
  readonly ca: CaName;
  readonly kind: CertificateKind;
  readonly cardId: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuedAt: Date;
  /** SHA-256 of the certificate DER, lower-case hex. */
  readonly sha256: string;
  /** The DER for authentication certificates; null for signature ones (it holds personal data). */
  readonly der: Uint8Array | null;
  readonly status: 'good' | 'hold' | 'revoked';
  readonly reason?: RevocationReason;
  readonly statusAt?: Date;
}

export interface RevocationStatus {
  /** A certificate on hold is `revoked` with reason `certificateHold`. */
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly reason?: RevocationReason;
  readonly revokedAt?: Date;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A CA as loaded into memory (internal). */
export interface Authority {
  readonly ca: CaName;
  readonly subject: string;
  readonly serial: string;
  readonly keyLabel: string;
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  readonly sha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-1 key identifier (hex) of the CA key. */
  readonly keyId: string;
}
