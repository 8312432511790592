import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { dialects } from '../../test/support/stores.ts';
import type { Pki } from './ca.ts';
import { createFileKeyStore } from './file-key-store.ts';
import type { KeyStore, Signer } from './key-store.ts';
import { MAX_CERT_IDS } from './ocsp.ts';
import {
  cardKey,
  createTestPki,
  holder,
  openssl,
  pem,
  SECRET,
  START,
  type TestPki,
} from './pki.test-util.ts';

/** A file key store that counts signatures, to see which answers came from the cache. */
function countingKeyStore(dir: string): KeyStore & { signatures: number } {
  const inner = createFileKeyStore({ dir, secret: SECRET });
  const counted = (s: Signer): Signer => ({
    publicKey: s.publicKey,
    sign: (data) => {
      store.signatures++;
      return s.sign(data);
    },
  });
  const store = {
    kind: inner.kind,
    signatures: 0,
    generate: async (label: string, algorithm: 'RSA-2048') => counted(await inner.generate(label, algorithm)),
    signer: async (label: string) => {
      const s = await inner.signer(label);
      return s === undefined ? undefined : counted(s);
    },
    close: () => inner.close(),
  };
  return store;
}

function responseStatus(der: Uint8Array): number {
  return pkijs.OCSPResponse.fromBER(der).responseStatus.valueBlock.valueDec;
}

/** Cert statuses of a successful response: 0 good, 1 revoked, 2 unknown. */
function certStatuses(der: Uint8Array): number[] {
  const response = pkijs.OCSPResponse.fromBER(der);
  const basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes!.response.valueBlock.valueHexView);
  return basic.tbsResponseData.responses.map((r) => (r.certStatus as asn1js.BaseBlock).idBlock.tagNumber);
}

for (const { dialect, skip } of await dialects()) {
  describe(`OCSP responder on ${dialect}`, { skip }, () => {
    let x: TestPki;
    let pki: Pki;
    let keys: KeyStore & { signatures: number };
    let sig: { serial: string };
    let auth: { serial: string };

    before(async () => {
      x = await createTestPki(dialect, {
        keyStore: (dir) => {
          keys = countingKeyStore(dir);
          return keys;
        },
      });
      pki = x.pki;
      await x.writeAuthorities();
      const notAfter = new Date('2031-02-28T23:59:59Z');
      const s = await pki.issue({
        cardId: 'c1',
        kind: 'signature',
        publicKey: cardKey(),
        notBefore: new Date(START),
        notAfter,
        holder,
      });
      const a = await pki.issue({
        cardId: 'c1',
        kind: 'authentication',
        publicKey: cardKey(),
        notBefore: new Date(START),
        notAfter,
      });
      x.write('sig.pem', pem(s.der));
      x.write('auth.pem', pem(a.der));
      sig = s;
      auth = a;
      x.clock.set('2026-03-02T00:00:00Z');
    });
    after(() => x?.dispose());

    /** Builds a request with openssl, answers it, and has openssl check the answer. */
    async function ask(
      leaf: 'sig' | 'auth',
      options: { nonce?: boolean; sha256?: boolean; responder?: Pki } = {},
    ): Promise<{ out: string; code: number; response: Uint8Array }> {
      const ca = leaf === 'sig' ? 'signature.pem' : 'authentication.pem';
      const digest = options.sha256 ? ['-sha256'] : [];
      const nonce = options.nonce ? [] : ['-no_nonce'];
      const made = await openssl(
        ['ocsp', ...digest, '-issuer', ca, '-cert', `${leaf}.pem`, ...nonce, '-reqout', 'req.der'],
        x.dir,
      );
      assert.equal(made.code, 0, made.out);
      const response = await (options.responder ?? pki).ocsp(readFileSync(join(x.dir, 'req.der')));
      x.write('resp.der', response);
      const check = options.nonce
        ? [
            'ocsp',
            '-reqin',
            'req.der',
            '-respin',
            'resp.der',
            '-CAfile',
            'root.pem',
            '-attime',
            x.attime(),
            '-resp_text',
          ]
        : [
            'ocsp',
            ...digest,
            '-respin',
            'resp.der',
            '-issuer',
            ca,
            '-cert',
            `${leaf}.pem`,
            '-no_nonce',
            '-CAfile',
            'root.pem',
            '-attime',
            x.attime(),
          ];
      const run = await openssl(check, x.dir);
      return { ...run, response };
    }

    it('answers good, signed by the issuing CA, as openssl verifies (SHA-1 and SHA-256 CertIDs)', async () => {
      for (const leaf of ['sig', 'auth'] as const) {
        for (const sha256 of [false, true]) {
          const r = await ask(leaf, { sha256 });
          assert.equal(r.code, 0, r.out);
          assert.match(r.out, /Response verify OK/);
          assert.match(r.out, new RegExp(`${leaf}\\.pem: good`));
          assert.doesNotMatch(r.out, /WARNING/);
        }
      }
    });

    it('echoes a nonce, freshly signed each time', async () => {
      const before = keys.signatures;
      const r = await ask('sig', { nonce: true });
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /Response verify OK/);
      assert.match(r.out, /OCSP Nonce/);
      assert.match(r.out, /Cert Status: good/);
      assert.doesNotMatch(r.out, /nonce in response|Nonce Verify error/i);
      await ask('sig', { nonce: true });
      assert.equal(keys.signatures, before + 2);
    });

    it('serves requests without a nonce from the cache', async () => {
      await ask('auth');
      const request = readFileSync(join(x.dir, 'req.der'));
      const first = await pki.ocsp(request);
      const before = keys.signatures;
      for (let i = 0; i < 500; i++) assert.deepEqual(await pki.ocsp(request), first);
      assert.equal(keys.signatures, before, 'no signature made for cached answers');
      x.clock.set(new Date(x.clock.now().getTime() + 1001));
      await pki.ocsp(request);
      assert.equal(keys.signatures, before + 1, 'a stale answer is signed anew');
    });

    it('shows a suspension at once in this process, and within the cache time in another', async () => {
      const other = x.another();
      assert.match((await ask('auth', { responder: other })).out, /auth\.pem: good/);
      assert.match((await ask('auth')).out, /auth\.pem: good/);

      await pki.hold(auth.serial, x.clock.now());
      const here = await ask('auth');
      assert.equal(here.code, 0, here.out);
      assert.match(here.out, /auth\.pem: revoked/);
      assert.match(here.out, /Reason: certificateHold/);

      assert.match((await ask('auth', { responder: other })).out, /auth\.pem: good/, 'still cached there');
      x.clock.set(new Date(x.clock.now().getTime() + 1001));
      const there = await ask('auth', { responder: other });
      assert.match(there.out, /auth\.pem: revoked/);
      assert.match(there.out, /Reason: certificateHold/);

      await pki.release(auth.serial, x.clock.now());
      assert.match((await ask('auth')).out, /auth\.pem: good/);
    });

    it('answers revoked with time and reason', async () => {
      x.clock.set('2026-03-03T00:00:00Z');
      await pki.revoke(sig.serial, 'keyCompromise', new Date('2026-03-02T10:00:00Z'));
      for (const nonce of [false, true]) {
        const r = await ask('sig', { nonce });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, nonce ? /Cert Status: revoked/ : /sig\.pem: revoked/);
        assert.match(r.out, /Reason: keyCompromise/);
        assert.match(r.out, /Revocation Time: Mar {2}2 10:00:00 2026 GMT/);
      }
    });

    it('answers unknown for a serial the CA never issued', async () => {
      const made = await openssl(
        ['ocsp', '-issuer', 'signature.pem', '-serial', '0x4242', '-no_nonce', '-reqout', 'req.der'],
        x.dir,
      );
      assert.equal(made.code, 0, made.out);
      x.write('resp.der', await pki.ocsp(readFileSync(join(x.dir, 'req.der'))));
      const r = await openssl(
        [
          'ocsp',
          '-respin',
          'resp.der',
          '-issuer',
          'signature.pem',
          '-serial',
          '0x4242',
          '-no_nonce',
          '-CAfile',
          'root.pem',
          '-attime',
          x.attime(),
        ],
        x.dir,
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /0x4242: unknown/);
    });

    it('answers for the issuing CAs as the root', async () => {
      const made = await openssl(
        ['ocsp', '-issuer', 'root.pem', '-cert', 'signature.pem', '-no_nonce', '-reqout', 'req.der'],
        x.dir,
      );
      assert.equal(made.code, 0, made.out);
      x.write('resp.der', await pki.ocsp(readFileSync(join(x.dir, 'req.der'))));
      const r = await openssl(
        [
          'ocsp',
          '-respin',
          'resp.der',
          '-issuer',
          'root.pem',
          '-cert',
          'signature.pem',
          '-no_nonce',
          '-CAfile',
          'root.pem',
          '-attime',
          x.attime(),
        ],
        x.dir,
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /signature\.pem: good/);
    });

    it('answers `unauthorized` for another issuer, and mixed requests only for the signing CA', async () => {
      const made = await openssl(
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          'other.key',
          '-subj',
          '/CN=Other CA',
          '-days',
          '3650',
          '-out',
          'other.pem',
        ],
        x.dir,
      );
      assert.equal(made.code, 0, made.out);
      await openssl(
        ['ocsp', '-issuer', 'other.pem', '-serial', '0x01', '-no_nonce', '-reqout', 'req.der'],
        x.dir,
      );
      x.write('resp.der', await pki.ocsp(readFileSync(join(x.dir, 'req.der'))));
      const r = await openssl(['ocsp', '-respin', 'resp.der', '-resp_text'], x.dir);
      assert.match(r.out, /Responder Error: unauthorized \(6\)/);

      await openssl(
        [
          'ocsp',
          '-issuer',
          'authentication.pem',
          '-cert',
          'auth.pem',
          '-issuer',
          'signature.pem',
          '-cert',
          'sig.pem',
          '-issuer',
          'other.pem',
          '-serial',
          '0x01',
          '-no_nonce',
          '-reqout',
          'mixed.der',
        ],
        x.dir,
      );
      const mixed = await pki.ocsp(readFileSync(join(x.dir, 'mixed.der')));
      assert.deepEqual(
        certStatuses(mixed),
        [0, 2, 2],
        'authentication CA signs; the others are unknown to it',
      );
    });

    it('answers malformed requests with malformedRequest, which openssl reads', async () => {
      for (const bytes of [
        new Uint8Array(0),
        new TextEncoder().encode('not an OCSP request'),
        new Uint8Array([0x30, 0x00]),
      ]) {
        const response = await pki.ocsp(bytes);
        assert.equal(responseStatus(response), 1);
        x.write('bad.der', response);
        const r = await openssl(['ocsp', '-respin', 'bad.der', '-resp_text'], x.dir);
        assert.match(r.out, /Responder Error: malformedrequest \(1\)/);
      }
      // More CertIDs than one answer may carry.
      const args = ['ocsp', '-issuer', 'signature.pem', '-no_nonce', '-reqout', 'many.der'];
      for (let i = 1; i <= MAX_CERT_IDS + 1; i++) args.push('-serial', String(i));
      await openssl(args, x.dir);
      assert.equal(responseStatus(await pki.ocsp(readFileSync(join(x.dir, 'many.der')))), 1);
    });

    it('never throws on random or damaged requests, and never fails internally (property)', async () => {
      await ask('sig', { nonce: true });
      const withNonce = new Uint8Array(readFileSync(join(x.dir, 'req.der')));
      await ask('sig');
      const withoutNonce = new Uint8Array(readFileSync(join(x.dir, 'req.der')));
      const damaged = (valid: Uint8Array) =>
        fc
          .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 3,
          })
          .map((flips) => {
            const bytes = valid.slice();
            for (const [at, flip] of flips) bytes[at] = bytes[at]! ^ flip;
            return bytes;
          });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 400 }),
            damaged(withNonce),
            damaged(withoutNonce),
            fc.nat(withNonce.length).map((n) => withNonce.slice(0, n)),
          ),
          async (bytes) => {
            const status = responseStatus(await pki.ocsp(bytes));
            // successful, malformedRequest or unauthorized; never internalError (2).
            assert.ok(
              [0, 1, 6].includes(status),
              `status ${status} for ${Buffer.from(bytes).toString('hex')}`,
            );
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('answers unauthorized before the key ceremony', async () => {
      const bare = await createTestPki(dialect, { init: false });
      try {
        assert.equal(responseStatus(await bare.pki.ocsp(readFileSync(join(x.dir, 'req.der')))), 6);
      } finally {
        await bare.dispose();
      }
    });
  });
}
