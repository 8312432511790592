/**
 * CA keys on a PKCS#11 token (an HSM; SoftHSM2 in tests). Keys are generated on the token as
 * sensitive, non-extractable objects, and every signature is computed by the token: the
 * private key never enters this process.
 *
 * Cryptoki keeps state per process: the library is initialized once, and a login belongs to
 * the application, not to a session. Stores that share a library or a token therefore share
 * that state here, counted, so closing one store does not log out or finalize under another.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { AppError } from '../core/index.ts';
import type { KeyAlgorithm, KeyStore, Signer } from './key-store.ts';

export interface Pkcs11Options {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  library: string;
  tokenLabel: string;
  /** The token's user PIN. */
  pin: string;
}

type Handle = Buffer;
type Pkcs11 = InstanceType<typeof pkcs11js.PKCS11>;

interface LoadedModule {
  readonly pkcs11: Pkcs11;
  users: number;
  /** Whether this process's C_Initialize was ours (and so C_Finalize is ours too). */
  readonly initialized: boolean;
  /** Logins per token (slot id in hex): count and a hash of the PIN that logged in. */
  readonly logins: Map<string, { users: number; pinHash: string }>;
}

const modules = new Map<string, LoadedModule>();

function ckr(error: unknown): number | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.code : undefined;
}

function hsmError(message: string, cause: unknown): AppError {
  return new AppError('PKI_HSM_ERROR', 'internal', message, { cause });
}

function acquireModule(library: string): LoadedModule {
  const existing = modules.get(library);
  if (existing) {
    existing.users += 1;
    return existing;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(library);
  } catch (cause) {
    throw new AppError('PKI_HSM_LIBRARY', 'invalid', `Cannot load the PKCS#11 module ${library}`, { cause });
  }
  let initialized = true;
  try {
    // Signing runs on libuv worker threads, so the module must lock for itself.
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (cause) {
    if (ckr(cause) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      pkcs11.close();
      throw new AppError('PKI_HSM_LIBRARY', 'invalid', `Cannot initialize the PKCS#11 module ${library}`, {
        cause,
      });
    }
    initialized = false;
  }
  const loaded: LoadedModule = { pkcs11, users: 1, initialized, logins: new Map() };
  modules.set(library, loaded);
  return loaded;
}

function releaseModule(library: string, loaded: LoadedModule): void {
  loaded.users -= 1;
  if (loaded.users > 0) return;
  modules.delete(library);
  try {
    if (loaded.initialized) loaded.pkcs11.C_Finalize();
  } finally {
    loaded.pkcs11.close();
  }
}

function findSlot(pkcs11: Pkcs11, tokenLabel: string, library: string): Handle {
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const token = pkcs11.C_GetTokenInfo(slot);
    if ((token.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    if (token.label.replace(/[\s\0]+$/, '') === tokenLabel) return slot;
  }
  throw new AppError(
    'PKI_HSM_TOKEN',
    'invalid',
    `No initialized PKCS#11 token labelled "${tokenLabel}" in ${library}. ` +
      `Initialize one first, e.g. for SoftHSM2: softhsm2-util --init-token --free --label "${tokenLabel}" --pin <PIN> --so-pin <SO-PIN>`,
  );
}

function login(loaded: LoadedModule, slotKey: string, session: Handle, pin: string): void {
  const pinHash = createHash('sha256').update(pin).digest('hex');
  const current = loaded.logins.get(slotKey);
  if (current) {
    // Already logged in by another store of this process: C_Login would not check the PIN.
    if (current.pinHash !== pinHash) throw wrongPin();
    current.users += 1;
    return;
  }
  try {
    loaded.pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (cause) {
    const code = ckr(cause);
    if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_LEN_RANGE) throw wrongPin(cause);
    if (code === pkcs11js.CKR_PIN_LOCKED)
      throw new AppError('PKI_HSM_PIN', 'invalid', 'The PKCS#11 token user PIN is locked', { cause });
    if (code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw hsmError('PKCS#11 login failed', cause);
  }
  loaded.logins.set(slotKey, { users: 1, pinHash });
}

function wrongPin(cause?: unknown): AppError {
  return new AppError(
    'PKI_HSM_PIN',
    'invalid',
    'The PKCS#11 token rejected the PIN',
    cause === undefined ? {} : { cause },
  );
}

function logout(loaded: LoadedModule, slotKey: string, session: Handle): void {
  const current = loaded.logins.get(slotKey);
  if (!current) return;
  current.users -= 1;
  if (current.users > 0) return;
  loaded.logins.delete(slotKey);
  try {
    loaded.pkcs11.C_Logout(session);
  } catch (cause) {
    if (ckr(cause) !== pkcs11js.CKR_USER_NOT_LOGGED_IN) throw cause;
  }
}

/** SubjectPublicKeyInfo DER from an RSA modulus and public exponent (big-endian bytes). */
function rsaSpki(modulus: Buffer, exponent: Buffer): Uint8Array {
  const b64url = (b: Buffer) => Buffer.from(b.subarray(b.findIndex((x) => x !== 0))).toString('base64url');
  const key = createPublicKey({
    key: { kty: 'RSA', n: b64url(modulus), e: b64url(exponent) },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

export async function createPkcs11KeyStore(options: Pkcs11Options): Promise<KeyStore> {
  const { library, tokenLabel, pin } = options;
  const loaded = acquireModule(library);
  const { pkcs11 } = loaded;
  let session: Handle;
  let slotKey: string;
  try {
    const slot = findSlot(pkcs11, tokenLabel, library);
    slotKey = slot.toString('hex');
    session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      login(loaded, slotKey, session, pin);
    } catch (e) {
      pkcs11.C_CloseSession(session);
      throw e;
    }
  } catch (e) {
    releaseModule(library, loaded);
    if (e instanceof AppError) throw e;
    throw hsmError(`Cannot open a session on PKCS#11 token "${tokenLabel}"`, e);
  }

  // A PKCS#11 session runs one operation at a time: everything on it goes through this queue.
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const exclusive = <T>(what: string, op: () => T | Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      if (closed)
        throw new AppError('PKI_HSM_CLOSED', 'internal', `The PKCS#11 key store is closed (${what})`);
      try {
        return await op();
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw hsmError(`PKCS#11 ${what} failed`, e);
      }
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const find = (template: pkcs11js.Template): Handle[] => {
    pkcs11.C_FindObjectsInit(session, template);
    try {
      return pkcs11.C_FindObjects(session, 16);
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
  };

  const publicKeyOf = (privateKey: Handle): Uint8Array => {
    const [{ value: id } = { value: Buffer.alloc(0) }] = pkcs11.C_GetAttributeValue(session, privateKey, [
      { type: pkcs11js.CKA_ID },
    ]);
    const [publicKey] =
      id.length === 0
        ? []
        : find([
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
            { type: pkcs11js.CKA_ID, value: id },
          ]);
    // Without a public key object, a private RSA key still carries its public parts.
    const [n, e] = pkcs11.C_GetAttributeValue(session, publicKey ?? privateKey, [
      { type: pkcs11js.CKA_MODULUS },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT },
    ]);
    return rsaSpki(n!.value, e!.value);
  };

  const makeSigner = (privateKey: Handle, publicKey: Uint8Array): Signer => ({
    publicKey,
    sign: (data) =>
      exclusive('sign', async () => {
        pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, privateKey);
        const signature = await pkcs11.C_SignAsync(session, Buffer.from(data), Buffer.alloc(512));
        return new Uint8Array(signature);
      }),
  });

  const byLabel = (label: string, cls: number) =>
    find([
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);

  return {
    kind: 'pkcs11',

    generate(label: string, algorithm: KeyAlgorithm) {
      if (algorithm !== 'RSA-2048')
        return Promise.reject(
          new AppError('PKI_KEY_ALGORITHM', 'invalid', `Unsupported key algorithm ${String(algorithm)}`),
        );
      if (label.length === 0)
        return Promise.reject(new AppError('PKI_KEY_LABEL', 'invalid', 'A key label must not be empty'));
      return exclusive('key generation', async () => {
        if (
          byLabel(label, pkcs11js.CKO_PRIVATE_KEY).length > 0 ||
          byLabel(label, pkcs11js.CKO_PUBLIC_KEY).length > 0
        )
          throw new AppError(
            'PKI_KEY_EXISTS',
            'conflict',
            `The token already holds a key labelled "${label}"`,
          );
        const id = randomBytes(16);
        const common = [
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_LABEL, value: label },
          { type: pkcs11js.CKA_ID, value: id },
        ];
        const keys = await pkcs11.C_GenerateKeyPairAsync(
          session,
          { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
          [
            ...common,
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
            { type: pkcs11js.CKA_PRIVATE, value: false },
            { type: pkcs11js.CKA_VERIFY, value: true },
            { type: pkcs11js.CKA_ENCRYPT, value: false },
            { type: pkcs11js.CKA_WRAP, value: false },
            { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
            { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          ],
          [
            ...common,
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
            { type: pkcs11js.CKA_PRIVATE, value: true },
            { type: pkcs11js.CKA_SENSITIVE, value: true },
            { type: pkcs11js.CKA_EXTRACTABLE, value: false },
            { type: pkcs11js.CKA_SIGN, value: true },
            { type: pkcs11js.CKA_DECRYPT, value: false },
            { type: pkcs11js.CKA_UNWRAP, value: false },
          ],
        );
        return makeSigner(keys.privateKey, publicKeyOf(keys.privateKey));
      });
    },

    signer(label: string) {
      return exclusive('key lookup', () => {
        const [privateKey] = byLabel(label, pkcs11js.CKO_PRIVATE_KEY);
        return privateKey ? makeSigner(privateKey, publicKeyOf(privateKey)) : undefined;
      });
    },

    close() {
      // Queued, so an operation in flight finishes before the session goes.
      const done = queue.then(() => {
        if (closed) return;
        closed = true;
        try {
          logout(loaded, slotKey, session);
          pkcs11.C_CloseSession(session);
        } catch (cause) {
          throw hsmError('Closing the PKCS#11 session failed', cause);
        } finally {
          releaseModule(library, loaded);
        }
      });
      queue = done.catch(() => undefined);
      return done;
    },
  };
}
