import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pkcs11js from 'pkcs11js';
import { createSoftHsm, type SoftHsm, softHsmSkip } from '../../test/support/softhsm.ts';
import { isAppError } from '../core/index.ts';
import type { KeyStore } from './key-store.ts';
import { createPkcs11KeyStore } from './pkcs11-key-store.ts';

const TOKEN = 'myna-test';
const PIN = '1234';
const SO_PIN = '5678';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isAppError(e), `expected AppError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

function verifies(spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  return verify(
    'sha256',
    data,
    createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }),
    signature,
  );
}

const skip = softHsmSkip();

describe('PKCS#11 key store on SoftHSM2', { skip }, () => {
  let hsm: SoftHsm;
  const open = (over: { tokenLabel?: string; pin?: string; library?: string } = {}) =>
    createPkcs11KeyStore({ library: hsm.library, tokenLabel: TOKEN, pin: PIN, ...over });

  before(async () => {
    hsm = createSoftHsm();
    await hsm.initToken(TOKEN, PIN, SO_PIN);
  });
  after(() => hsm?.dispose());

  it('generates an RSA-2048 key on the token and signs with SHA-256 PKCS#1 v1.5', async () => {
    const store = await open();
    try {
      assert.equal(store.kind, 'pkcs11');
      const signer = await store.generate('ca-root-2025', 'RSA-2048');
      const key = createPublicKey({ key: Buffer.from(signer.publicKey), format: 'der', type: 'spki' });
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
      assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);

      const data = new TextEncoder().encode('tbsCertificate bytes');
      const signature = await signer.sign(data);
      assert.equal(signature.length, 256);
      assert.ok(verifies(signer.publicKey, data, signature));
      assert.ok(!verifies(signer.publicKey, new TextEncoder().encode('other bytes'), signature));
    } finally {
      await store.close();
    }
  });

  it('finds the same key by label after the store is reopened, and nothing for an unknown label', async () => {
    const first = await open();
    const generated = await first.generate('ca-inter-2025', 'RSA-2048');
    await first.close();

    const second = await open();
    try {
      const found = await second.signer('ca-inter-2025');
      assert.ok(found);
      assert.deepEqual(found.publicKey, generated.publicKey);
      const data = new Uint8Array([1, 2, 3]);
      assert.ok(verifies(generated.publicKey, data, await found.sign(data)));
      assert.equal(await second.signer('no-such-key'), undefined);
    } finally {
      await second.close();
    }
  });

  it('refuses to generate over an existing label with PKI_KEY_EXISTS', async () => {
    const store = await open();
    try {
      const original = await store.generate('ca-dup', 'RSA-2048');
      await rejectsWith(store.generate('ca-dup', 'RSA-2048'), 'PKI_KEY_EXISTS');
      // The original key is untouched.
      assert.deepEqual((await store.signer('ca-dup'))?.publicKey, original.publicKey);
    } finally {
      await store.close();
    }
  });

  it('serializes concurrent signatures on its one session', async () => {
    const store = await open();
    try {
      const signer = await store.generate('ca-busy', 'RSA-2048');
      const inputs = Array.from({ length: 24 }, (_, i) => new TextEncoder().encode(`document ${i}`));
      const [signatures] = await Promise.all([
        Promise.all(inputs.map((d) => signer.sign(d))),
        store.signer('ca-busy'),
      ]);
      signatures.forEach((s, i) => {
        assert.ok(verifies(signer.publicKey, inputs[i]!, s), `signature ${i}`);
      });
    } finally {
      await store.close();
    }
  });

  it('rejects a wrong PIN with PKI_HSM_PIN, and an unknown token with PKI_HSM_TOKEN', async () => {
    await rejectsWith(open({ pin: '9999' }), 'PKI_HSM_PIN');
    await assert.rejects(open({ tokenLabel: 'no-such-token' }), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.equal(e.code, 'PKI_HSM_TOKEN');
      assert.match(e.message, /softhsm2-util --init-token/);
      return true;
    });
    await rejectsWith(open({ library: '/nonexistent/libpkcs11.so' }), 'PKI_HSM_LIBRARY');
    // While one store is logged in, a second one must still present the right PIN.
    const store = await open();
    try {
      await rejectsWith(open({ pin: '0000' }), 'PKI_HSM_PIN');
      const again = await open();
      await again.close();
      // Closing the second store did not log the first one out.
      const signer = await store.generate('ca-shared-login', 'RSA-2048');
      assert.equal((await signer.sign(new Uint8Array([7]))).length, 256);
    } finally {
      await store.close();
    }
  });

  it('refuses to work after close with PKI_HSM_CLOSED', async () => {
    const store: KeyStore = await open();
    const signer = await store.generate('ca-closed', 'RSA-2048');
    await store.close();
    await store.close();
    await rejectsWith(signer.sign(new Uint8Array([1])), 'PKI_HSM_CLOSED');
    await rejectsWith(store.signer('ca-closed'), 'PKI_HSM_CLOSED');
  });

  it('keeps the private key on the token: sensitive, not extractable, private exponent unreadable', async () => {
    const store = await open();
    await store.generate('ca-secret', 'RSA-2048');
    await store.close();

    // Look at the object with raw PKCS#11, as an attacker holding the PIN would.
    const p11 = new pkcs11js.PKCS11();
    p11.load(hsm.library);
    p11.C_Initialize();
    try {
      const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === TOKEN);
      assert.ok(slot);
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      p11.C_Login(session, pkcs11js.CKU_USER, PIN);
      p11.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_LABEL, value: 'ca-secret' },
      ]);
      const [key] = p11.C_FindObjects(session, 2);
      p11.C_FindObjectsFinal(session);
      assert.ok(key);
      const flags = p11.C_GetAttributeValue(session, key, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_TOKEN },
      ]);
      assert.deepEqual(
        flags.map((a) => a.value[0]),
        [1, 0, 1],
      );
      const refused = (type: number, codes: number[]) =>
        assert.throws(
          () => p11.C_GetAttributeValue(session, key, [{ type }]),
          (e: unknown) => e instanceof pkcs11js.Pkcs11Error && codes.includes(e.code),
        );
      refused(pkcs11js.CKA_PRIVATE_EXPONENT, [pkcs11js.CKR_ATTRIBUTE_SENSITIVE]);
      refused(pkcs11js.CKA_PRIME_1, [pkcs11js.CKR_ATTRIBUTE_SENSITIVE]);
      refused(pkcs11js.CKA_VALUE, [pkcs11js.CKR_ATTRIBUTE_SENSITIVE, pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID]);
      p11.C_Logout(session);
      p11.C_CloseSession(session);
    } finally {
      p11.C_Finalize();
      p11.close();
    }
  });
});
