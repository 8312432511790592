import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../core/index.ts';

/**
 * The master secret that every data-protection key derives from. It lives in a key
 * file beside (never inside) the database, so a copy of the database alone reveals no
 * number. Keys are derived per purpose with HKDF-SHA-256, so one purpose's key says
 * nothing about another's.
 */
export type KeyPurpose =
  | 'number-vault-encryption'
  | 'number-blind-index'
  | 'number-permutation'
  | 'resident-code-permutation'
  | 'pki-key-store'
  | 'card-issuer'
  | 'card-file'
  | 'card-application'
  | 'oidc-signing'
  | 'oidc-cookies'
  | 'oidc-client-secret'
  | 'oidc-pairwise'
  | 'network-pseudonym'
  | 'insurance-certificate'
  | 'insurance-link';

export interface KeyRing {
  /** A short id of the master key, recorded beside what it protects (for rotation). */
  readonly keyId: string;
  derive(purpose: KeyPurpose, length?: number): Buffer;
}

interface KeyFileContent {
  readonly format: 'myna-key-file/1';
  readonly keyId: string;
  readonly master: string;
  readonly createdAt: string;
}

export function keyRingFromSecret(master: Buffer, keyId: string): KeyRing {
  if (master.length !== 32) throw new Error('the master key must be 32 bytes');
  return {
    keyId,
    derive(purpose, length = 32) {
      return Buffer.from(
        hkdfSync('sha256', master, Buffer.from(keyId), Buffer.from(`myna/${purpose}`), length),
      );
    },
  };
}

/**
 * Loads the key file, creating it (mode 0600) on first start. A file that exists but
 * cannot be read as a key file stops the start: silently making a new key would make
 * every stored number unreadable.
 */
export function loadOrCreateKeyFile(path: string, now: Date): { ring: KeyRing; created: boolean } {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const content: KeyFileContent = {
      format: 'myna-key-file/1',
      keyId: randomBytes(4).toString('hex'),
      master: randomBytes(32).toString('base64'),
      createdAt: now.toISOString(),
    };
    writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return { ring: keyRingFromSecret(Buffer.from(content.master, 'base64'), content.keyId), created: true };
  }
  let parsed: Partial<KeyFileContent>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFileContent>;
  } catch (cause) {
    throw new AppError('KEYS_FILE_UNREADABLE', 'internal', `key file ${path} is not valid JSON`, { cause });
  }
  const master = typeof parsed.master === 'string' ? Buffer.from(parsed.master, 'base64') : Buffer.alloc(0);
  if (parsed.format !== 'myna-key-file/1' || typeof parsed.keyId !== 'string' || master.length !== 32) {
    throw new AppError('KEYS_FILE_UNREADABLE', 'internal', `key file ${path} is not a Myna key file`);
  }
  return { ring: keyRingFromSecret(master, parsed.keyId), created: false };
}
