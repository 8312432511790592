import type { StaffRole } from '../core/index.ts';

/**
 * The legal bases on which a relying party may learn the current four basic items of a
 * signer whose signature certificate was revoked because those items changed (a move, a
 * name change). Data, not code: a request that names no row of this table is refused.
 *
 * In the real system this is J-LIS's 基本4情報提供 service for signature verifiers
 * (署名検証者), added to the JPKI act by its 2021 amendment; a verifier could learn of a
 * change before only from the certificate's revocation. We give no article numbers we
 * have not checked.
 */
export interface SignerLegalBasis {
  /** Stable identifier, sent by the relying party as `legalBasis`. */
  readonly id: string;
  /** The provision in Japanese, as the resident would read it. */
  readonly title: string;
  readonly description: string;
  /** Roles that may invoke this basis. */
  readonly roles: readonly StaffRole[];
  /** Purposes (`X-Myna-Purpose`) this basis covers. */
  readonly purposes: readonly string[];
  /**
   * Whether the real provision rests on the signer's consent. Myna does not hold consents
   * yet: a relying party naming this basis declares that it holds one.
   */
  readonly consentRequired: boolean;
  /** Public material describing the provision. */
  readonly sources: readonly string[];
}

export const SIGNER_LEGAL_BASES: readonly SignerLegalBasis[] = [
  {
    id: 'jpki-verifier-basic-items',
    title: '公的個人認証法: 本人同意に基づく署名検証者への基本4情報の提供',
    description:
      'JPKI act (公的個人認証法), as amended in 2021: provision of a signer’s latest four basic items, with the signer’s consent, to a signature verifier (署名検証者: public bodies, and businesses certified by the Minister of Internal Affairs and Communications) after the signer’s signature certificate was revoked because those items changed.',
    roles: ['relying-party'],
    purposes: ['change-tracking'],
    consentRequired: true,
    sources: [
      'https://www.digital.go.jp/policies/mynumber/private-business/jpki-introduction',
      'https://gnv-jg.d1-law.com/blog/20210712/29324/3',
    ],
  },
];

/** The table row with this id, or undefined. */
export function signerLegalBasis(id: string): SignerLegalBasis | undefined {
  return SIGNER_LEGAL_BASES.find((b) => b.id === id);
}
