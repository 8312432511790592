import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../core/index.ts';
import type { KeyAlgorithm, KeyStore, Signer } from './key-store.ts';

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);

export interface FileKeyStoreOptions {
  /** Folder of the key files; created (mode 0700) when missing. */
  readonly dir: string;
  /** 32 bytes from the key ring (purpose `pki-key-store`); its hex is the files' passphrase. */
  readonly secret: Uint8Array;
}

/** Labels become file names, so they are kept to a safe alphabet. */
const LABEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * CA keys as encrypted PKCS#8 files, `<dir>/<label>.p8` (mode 0600). Each file is a
 * standard EncryptedPrivateKeyInfo (PBES2: PBKDF2 + AES-256-CBC) as OpenSSL writes it,
 * so `openssl pkcs8 -inform DER -passin pass:<hex>` opens it. The passphrase is the hex
 * of a key-ring secret, so a copy of the key folder alone gives nothing away.
 */
export function createFileKeyStore(options: FileKeyStoreOptions): KeyStore {
  if (options.secret.length !== 32) throw new RangeError('the key store secret must be 32 bytes');
  const dir = options.dir;
  const passphrase = Buffer.from(options.secret).toString('hex');
  const signers = new Map<string, Signer>();

  function pathOf(label: string): string {
    if (!LABEL.test(label)) {
      throw new AppError('PKI_KEY_LABEL', 'invalid', `key label ${JSON.stringify(label)} is not allowed`);
    }
    return join(dir, `${label}.p8`);
  }

  function signerOf(privateKey: KeyObject): Signer {
    const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
    return {
      publicKey,
      // The callback form signs on the libuv thread pool, off the event loop.
      sign: async (data) => new Uint8Array(await signAsync('sha256', data, privateKey)),
    };
  }

  return {
    kind: 'file',

    async generate(label: string, algorithm: KeyAlgorithm): Promise<Signer> {
      const path = pathOf(label);
      if (algorithm !== 'RSA-2048') {
        throw new AppError(
          'PKI_KEY_ALGORITHM',
          'invalid',
          `key algorithm ${String(algorithm)} is not supported`,
        );
      }
      const { privateKey } = await generateKeyPairAsync('rsa', {
        modulusLength: 2048,
        publicExponent: 0x10001,
      });
      const der = privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Written beside, then linked into place: link() fails if the label exists, so two
      // starts racing cannot overwrite each other's key, and no half-written file is seen.
      const temporary = join(dir, `.${label}.${randomUUID()}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(der);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await chmod(temporary, 0o600);
        await link(temporary, path);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new AppError('PKI_KEY_EXISTS', 'conflict', `a key labelled ${label} already exists`, {
            cause,
          });
        }
        throw cause;
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
      const signer = signerOf(privateKey);
      signers.set(label, signer);
      return signer;
    },

    async signer(label: string): Promise<Signer | undefined> {
      const cached = signers.get(label);
      if (cached !== undefined) return cached;
      let der: Buffer;
      try {
        der = await readFile(pathOf(label));
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw cause;
      }
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8', passphrase });
      } catch (cause) {
        throw new AppError(
          'PKI_KEY_UNREADABLE',
          'internal',
          `key file for ${label} cannot be decrypted (wrong key ring or damaged file)`,
          { cause },
        );
      }
      const signer = signerOf(privateKey);
      signers.set(label, signer);
      return signer;
    },

    async close(): Promise<void> {
      signers.clear();
    },
  };
}
