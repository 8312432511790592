import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../src/core/index.ts';
import { loadConfig, openSystem } from '../src/server/index.ts';
import { openssl, writePem } from './support/openssl.ts';

/**
 * A suspension made by one process (a call-centre clerk's CLI) must show in another
 * process's OCSP answers (the public responder) within one second, cache or not.
 */
describe('OCSP freshness across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myna-fresh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers revoked within a second of a hold made by another process on the same database', async () => {
    const config = loadConfig({ MYNA_DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const counter = await openSystem(config, systemClock);
    const responder = await openSystem(config, systemClock);
    try {
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
      const now = new Date();
      const cert = await counter.pki.issue({
        cardId: '0190d7a0-0000-7000-8000-00000000f00d',
        kind: 'authentication',
        publicKey: new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', publicKey)),
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(now.getTime() + 86_400_000),
      });
      const ca = writePem(dir, 'ca.pem', await counter.pki.caCertificate('authentication'));
      const leaf = writePem(dir, 'leaf.pem', cert.der);
      const request = join(dir, 'req.der');
      await openssl(['ocsp', '-issuer', ca, '-cert', leaf, '-no_nonce', '-reqout', request]);
      const ask = async () => {
        writeFileSync(join(dir, 'resp.der'), await responder.pki.ocsp(readFileSync(request)));
        const r = await openssl(['ocsp', '-respin', join(dir, 'resp.der'), '-resp_text', '-noverify']);
        return /Cert Status: (\w+)/.exec(r.stdout)?.[1];
      };
      assert.equal(await ask(), 'good');
      assert.equal(await ask(), 'good', 'now served from the cache');
      await counter.pki.hold(cert.serial, new Date());
      await sleep(1_050);
      assert.equal(await ask(), 'revoked');
    } finally {
      await responder.close();
      await counter.close();
    }
  });
});
