import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../src/core/index.ts';
import { loadConfig, openSystem, type System } from '../src/server/index.ts';
import { openssl, writePem } from './support/openssl.ts';
import { createSoftHsm, type SoftHsm, softHsmSkip } from './support/softhsm.ts';

const skip = softHsmSkip();

describe('the CA on a PKCS#11 token (SoftHSM2)', { skip }, () => {
  let hsm: SoftHsm;
  let dir = '';
  let system: System;
  before(async () => {
    hsm = createSoftHsm();
    await hsm.initToken('myna-ca', '246810', '13579');
    dir = mkdtempSync(join(tmpdir(), 'myna-hsm-'));
    system = await openSystem(
      loadConfig({
        MYNA_DATA_DIR: dir,
        LOG_LEVEL: 'silent',
        MYNA_PKI_KEY_STORE: 'pkcs11',
        MYNA_PKCS11_LIBRARY: hsm.library,
        MYNA_PKCS11_TOKEN: 'myna-ca',
        MYNA_PKCS11_PIN: '246810',
      }),
      fixedClock('2026-04-01T03:00:00Z'),
    );
  });
  after(async () => {
    await system?.close();
    hsm?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the key ceremony with keys made on the token, none written to disk', async () => {
    assert.equal(system.pkiInit.created, true);
    assert.deepEqual(system.pkiInit.authorities.map((a) => a.ca).sort(), [
      'authentication',
      'root',
      'signature',
    ]);
    assert.ok(!readdirSync(dir).includes('pki'), 'no key files beside the database');
  });

  it('issues certificates and CRLs that openssl verifies against the HSM-held root', async () => {
    const { publicKey } = await globalThis.crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
    const spki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', publicKey));
    const now = system.clock.now();
    const cert = await system.pki.issue({
      cardId: '0190d7a0-0000-7000-8000-000000000001',
      kind: 'authentication',
      publicKey: spki,
      notBefore: now,
      notAfter: new Date(now.getTime() + 86_400_000 * 365),
    });
    const root = writePem(dir, 'root.pem', await system.pki.caCertificate('root'));
    const ca = writePem(dir, 'ca.pem', await system.pki.caCertificate('authentication'));
    const leaf = writePem(dir, 'leaf.pem', cert.der);
    const at = String(Math.floor(now.getTime() / 1000) + 60);
    writePem(dir, 'crl.pem', await system.pki.crl('authentication'), 'X509 CRL');
    const args = [
      'verify',
      '-attime',
      at,
      '-crl_check',
      '-CAfile',
      root,
      '-untrusted',
      ca,
      '-CRLfile',
      join(dir, 'crl.pem'),
      leaf,
    ];
    let r = await openssl(args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await system.pki.revoke(cert.serial, 'keyCompromise', now);
    writePem(dir, 'crl.pem', await system.pki.crl('authentication'), 'X509 CRL');
    r = await openssl(args);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /certificate revoked/);
  });
});
