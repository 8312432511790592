/**
 * The PKI: the JPKI-style CA hierarchy (root, signature CA, authentication CA), the
 * certificates issued to cards, their revocation and suspension, CRLs and an OCSP
 * responder. CA keys live in a KeyStore (encrypted files, or a PKCS#11 token).
 */
export {
  CA_SUBJECTS,
  createPki,
  ISSUING_CA_YEARS,
  type Pki,
  type PkiOptions,
  ROOT_YEARS,
} from './ca.ts';
export {
  type CertificateStatus,
  type CmsSigner,
  type CmsSignInput,
  type CmsSummary,
  type CmsVerification,
  type CmsVerifyInput,
  parseCms,
  signCms,
  verifyCms,
} from './cms.ts';
export { createFileKeyStore, type FileKeyStoreOptions } from './file-key-store.ts';
export {
  decodeBirthDate,
  encodeBirthDate,
  HOLDER_OIDS,
  type Holder,
  type HolderSex,
  holderFromAltNames,
} from './holder.ts';
export type { KeyAlgorithm, KeyStore, Signer } from './key-store.ts';
export { toPem } from './pem.ts';
export { createPkcs11KeyStore, type Pkcs11Options } from './pkcs11-key-store.ts';
export { type PkiTables, pkiMigrations } from './pki-tables.ts';
export { certificateHolder } from './read-certificate.ts';
export type {
  AuthorityInfo,
  CaName,
  CertificateKind,
  CertificateRecord,
  CertificateRequest,
  IssuedCertificate,
  RevocationReason,
  RevocationStatus,
} from './types.ts';
export { MYNA_ARC, POLICY_OIDS } from './x509.ts';
