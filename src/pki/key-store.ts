/**
 * Where CA private keys live. The CA never holds key bytes itself: it asks a key store
 * for a signer by label. Two stores exist: encrypted PKCS#8 files (the default) and
 * PKCS#11 tokens (an HSM; SoftHSM2 in tests).
 */
export type KeyAlgorithm = 'RSA-2048';

export interface Signer {
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
  /** RSASSA-PKCS1-v1_5 with SHA-256 over `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface KeyStore {
  readonly kind: 'file' | 'pkcs11';
  /** Creates a key pair under `label`; fails with PKI_KEY_EXISTS if one is there. */
  generate(label: string, algorithm: KeyAlgorithm): Promise<Signer>;
  /** The signer for `label`, or undefined when the store has no such key. */
  signer(label: string): Promise<Signer | undefined>;
  close(): Promise<void>;
}
