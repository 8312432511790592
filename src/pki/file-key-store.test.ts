import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../core/index.ts';
import { createFileKeyStore } from './file-key-store.ts';
import { openssl } from './pki.test-util.ts';

const secret = Buffer.alloc(32, 0x11);
const hex = secret.toString('hex');

describe('file key store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'myna-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an encrypted PKCS#8 file (0600) that openssl opens with the hex passphrase', async () => {
    const store = createFileKeyStore({ dir, secret });
    const signer = await store.generate('root', 'RSA-2048');
    const file = join(dir, 'root.p8');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const asn = await openssl(['asn1parse', '-inform', 'DER', '-in', file], dir);
    assert.match(asn.out, /PBES2/, 'an EncryptedPrivateKeyInfo with PBES2');
    assert.match(asn.out, /PBKDF2/);
    assert.match(asn.out, /aes-256-cbc/);

    const opened = await openssl(['pkcs8', '-inform', 'DER', '-in', file, '-passin', `pass:${hex}`], dir);
    assert.equal(opened.code, 0, opened.out);
    assert.match(opened.out, /-----BEGIN PRIVATE KEY-----/);
    const publicFromFile = createPublicKey(opened.out.slice(opened.out.indexOf('-----BEGIN'))).export({
      format: 'der',
      type: 'spki',
    });
    assert.deepEqual(new Uint8Array(publicFromFile), signer.publicKey);
    assert.equal(
      createPublicKey({ key: Buffer.from(signer.publicKey), format: 'der', type: 'spki' })
        .asymmetricKeyDetails?.modulusLength,
      2048,
    );

    const wrong = await openssl(
      ['pkcs8', '-inform', 'DER', '-in', file, '-passin', `pass:${'0'.repeat(64)}`],
      dir,
    );
    assert.notEqual(wrong.code, 0, 'another passphrase does not open it');
    await store.close();
  });

  it('signs RSASSA-PKCS1-v1_5 with SHA-256, also after a restart', async () => {
    const first = createFileKeyStore({ dir, secret });
    const signer = await first.generate('signature', 'RSA-2048');
    const data = new TextEncoder().encode('to be signed');
    const key = createPublicKey({ key: Buffer.from(signer.publicKey), format: 'der', type: 'spki' });
    assert.ok(verify('sha256', data, key, await signer.sign(data)));
    await first.close();

    const second = createFileKeyStore({ dir, secret });
    const again = await second.signer('signature');
    assert.ok(again !== undefined);
    assert.deepEqual(again.publicKey, signer.publicKey);
    const signature = await again.sign(data);
    assert.equal(signature.length, 256);
    assert.ok(verify('sha256', data, key, signature));
    assert.equal(await second.signer('absent'), undefined);
  });

  it('refuses to overwrite a key, a bad label and the wrong secret', async () => {
    const store = createFileKeyStore({ dir, secret });
    const before = readFileSync(join(dir, 'root.p8'));
    await assert.rejects(
      store.generate('root', 'RSA-2048'),
      (e) => isAppError(e) && e.code === 'PKI_KEY_EXISTS',
    );
    assert.deepEqual(readFileSync(join(dir, 'root.p8')), before, 'the existing key is untouched');
    await assert.rejects(
      store.generate('../escape', 'RSA-2048'),
      (e) => isAppError(e) && e.code === 'PKI_KEY_LABEL',
    );
    await assert.rejects(store.signer('a/b'), (e) => isAppError(e) && e.code === 'PKI_KEY_LABEL');

    const other = createFileKeyStore({ dir, secret: Buffer.alloc(32, 0x22) });
    await assert.rejects(other.signer('root'), (e) => isAppError(e) && e.code === 'PKI_KEY_UNREADABLE');
    assert.throws(() => createFileKeyStore({ dir, secret: Buffer.alloc(16) }), RangeError);
  });
});
