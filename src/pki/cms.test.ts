import { toPem } from './pem.ts';
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants, createPrivateKey, type KeyObject, privateEncrypt, type webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import { type CmsVerifyInput, parseCms, signCms, verifyCms } from './cms.ts';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';
const ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const SIGNING_TIME = new Date('2025-06-01T09:30:00Z');
const NOW = new Date('2025-06-02T00:00:00Z');
const DOCUMENT = new TextEncoder().encode('申請書: 転入届\nMyna test document\n');

interface Issued {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  der: Uint8Array;
  privateKey: KeyObject;
}

let serial = 0x8000;
async function issue(
  subject: string,
  issuer: Issued | undefined,
  options: { ca: boolean; usages: x509.KeyUsageFlags; notBefore?: Date; notAfter?: Date },
): Promise<Issued> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  serial += 1;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca, undefined, true),
    new x509.KeyUsagesExtension(options.usages, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    // A high first bit makes the DER INTEGER carry a 00 sign octet: serials must come out without it.
    serialNumber: `${serial.toString(16)}01`,
    subject,
    issuer: issuer ? issuer.cert.subject : subject,
    notBefore: options.notBefore ?? new Date('2020-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2045-01-01T00:00:00Z'),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer ? issuer.keys.privateKey : keys.privateKey,
    extensions,
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    cert,
    keys,
    der: new Uint8Array(cert.rawData),
    privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
  };
}

const CA_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
const SIGN_USAGE = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;

/** Same names every time: a second hierarchy differs from the first only in its keys. */
async function hierarchy(leafUsage = SIGN_USAGE, leafValidity: { notBefore?: Date; notAfter?: Date } = {}) {
  const root = await issue('CN=Myna Test Root CA, O=Myna, C=JP', undefined, { ca: true, usages: CA_USAGE });
  const inter = await issue('CN=Myna Test Signature CA, O=Myna, C=JP', root, { ca: true, usages: CA_USAGE });
  const leaf = await issue('CN=Yamada Taro, O=Myna, C=JP', inter, {
    ca: false,
    usages: leafUsage,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2045-01-01T00:00:00Z'),
    ...leafValidity,
  });
  return { root, inter, leaf };
}

/** What the chip does: PKCS#1 v1.5 type 1 padding around the DigestInfo, then the private-key operation. */
function chip(key: KeyObject) {
  return async (digestInfo: Uint8Array) =>
    new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
}

const pem = (label: string, der: Uint8Array): string => toPem(der, label);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isAppError(e), `expected AppError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('CMS detached signatures', () => {
  let pki: Awaited<ReturnType<typeof hierarchy>>;
  let other: Awaited<ReturnType<typeof hierarchy>>;
  let signature: Uint8Array;
  let dir: string;

  const good: CmsVerifyInput['status'] = async () => 'good';
  const verifyInput = (over: Partial<CmsVerifyInput> = {}): CmsVerifyInput => ({
    signature,
    content: DOCUMENT,
    trustAnchors: [pki.root.der],
    status: good,
    now: NOW,
    ...over,
  });

  before(async () => {
    [pki, other] = await Promise.all([hierarchy(), hierarchy()]);
    signature = await signCms({
      content: DOCUMENT,
      signerCertificate: pki.leaf.der,
      chain: [pki.inter.der],
      signingTime: SIGNING_TIME,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    dir = mkdtempSync(join(tmpdir(), 'myna-cms-'));
    writeFileSync(join(dir, 'doc'), DOCUMENT);
    writeFileSync(join(dir, 'root.pem'), pem('CERTIFICATE', pki.root.der));
    writeFileSync(join(dir, 'inter.pem'), pem('CERTIFICATE', pki.inter.der));
    writeFileSync(join(dir, 'leaf.pem'), pem('CERTIFICATE', pki.leaf.der));
    writeFileSync(
      join(dir, 'leaf.key'),
      pki.leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs and verifies a detached signature, reporting the signer and the signing time', async () => {
    const result = await verifyCms(verifyInput());
    assert.equal(result.signingTime.toISOString(), SIGNING_TIME.toISOString());
    assert.equal(result.signer.serial, pki.leaf.cert.serialNumber.toLowerCase());
    assert.match(result.signer.serial, /^[0-9a-f]+$/);
    assert.ok(!result.signer.serial.startsWith('00'));
    assert.equal(result.signer.subject, 'CN=Yamada Taro, O=Myna, C=JP');
    assert.equal(result.signer.issuer, 'CN=Myna Test Signature CA, O=Myna, C=JP');
    assert.deepEqual(result.signer.der, pki.leaf.der);
    assert.equal(result.signer.notAfter.toISOString(), '2045-01-01T00:00:00.000Z');

    const summary = parseCms(signature);
    assert.equal(summary.detached, true);
    assert.equal(summary.contentType, '1.2.840.113549.1.7.1');
    assert.equal(summary.certificates.length, 2);
    assert.deepEqual(summary.certificates[0], pki.leaf.der);
    assert.deepEqual(summary.certificates[1], pki.inter.der);
    assert.equal(summary.signers.length, 1);
    assert.equal(summary.signers[0]?.serial, result.signer.serial);
    assert.equal(summary.signers[0]?.issuer, result.signer.issuer);
    assert.equal(summary.signers[0]?.signingTime?.toISOString(), SIGNING_TIME.toISOString());
  });

  it('accepts PEM as well as DER', async () => {
    for (const label of ['CMS', 'PKCS7']) {
      const result = await verifyCms(verifyInput({ signature: Buffer.from(pem(label, signature)) }));
      assert.equal(result.signingTime.getTime(), SIGNING_TIME.getTime());
    }
  });

  it('is accepted by openssl cms -verify (and openssl rejects a changed document)', async () => {
    writeFileSync(join(dir, 'sig.der'), signature);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der')];
    const trust = ['-CAfile', join(dir, 'root.pem'), '-purpose', 'any', '-out', join(dir, 'out')];
    const { stderr } = await run(OPENSSL, [...args, '-content', join(dir, 'doc'), ...trust]);
    assert.match(stderr, /Verification successful/);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'out'))), DOCUMENT);

    writeFileSync(join(dir, 'doc2'), Buffer.concat([DOCUMENT, Buffer.from('x')]));
    await assert.rejects(run(OPENSSL, [...args, '-content', join(dir, 'doc2'), ...trust]));
  });

  it('carries contentType, messageDigest, signingTime and ESS signingCertificateV2 signed attributes', async () => {
    writeFileSync(join(dir, 'sig-print.der'), signature);
    const { stdout } = await run(OPENSSL, [
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      join(dir, 'sig-print.der'),
    ]);
    for (const name of ['contentType', 'messageDigest', 'signingTime', 'id-smime-aa-signingCertificateV2'])
      assert.match(stdout, new RegExp(`object: ${name}`), name);
    assert.match(stdout, /eContent: <ABSENT>/);
  });

  it('verifies signatures made by openssl cms -sign, in DER and in PEM', async () => {
    for (const form of ['DER', 'PEM'] as const) {
      const out = join(dir, `openssl.${form}`);
      await run(OPENSSL, [
        'cms',
        '-sign',
        '-binary',
        '-outform',
        form,
        '-in',
        join(dir, 'doc'),
        '-signer',
        join(dir, 'leaf.pem'),
        '-inkey',
        join(dir, 'leaf.key'),
        '-certfile',
        join(dir, 'inter.pem'),
        '-md',
        'sha256',
        '-out',
        out,
      ]);
      const bytes = new Uint8Array(readFileSync(out));
      if (form === 'PEM') assert.match(Buffer.from(bytes).toString('latin1'), /^-----BEGIN CMS-----/);
      // openssl stamps the wall-clock time, so "now" is the wall clock here.
      const now = new Date();
      const result = await verifyCms(verifyInput({ signature: bytes, now }));
      assert.ok(Math.abs(result.signingTime.getTime() - now.getTime()) < 120_000);
      assert.equal(result.signer.subject, 'CN=Yamada Taro, O=Myna, C=JP');
      await rejectsWith(
        verifyCms(verifyInput({ signature: bytes, now, content: DOCUMENT.subarray(1) })),
        'CMS_CONTENT_MISMATCH',
      );
    }
  });

  it('verifies openssl signatures naming the signer by key identifier, and with the content attached', async () => {
    const out = join(dir, 'keyid.der');
    await run(OPENSSL, [
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-keyid',
      '-outform',
      'DER',
      '-in',
      join(dir, 'doc'),
      '-signer',
      join(dir, 'leaf.pem'),
      '-inkey',
      join(dir, 'leaf.key'),
      '-certfile',
      join(dir, 'inter.pem'),
      '-md',
      'sha256',
      '-out',
      out,
    ]);
    const bytes = new Uint8Array(readFileSync(out));
    const summary = parseCms(bytes);
    assert.equal(summary.detached, false);
    assert.equal(summary.signers[0]?.serial, undefined);
    assert.match(summary.signers[0]?.subjectKeyIdentifier ?? '', /^[0-9a-f]{40}$/);
    const now = new Date();
    const result = await verifyCms(verifyInput({ signature: bytes, now }));
    assert.equal(result.signer.subject, 'CN=Yamada Taro, O=Myna, C=JP');
    const other = new Uint8Array(DOCUMENT);
    other[0]! ^= 0x20;
    await rejectsWith(
      verifyCms(verifyInput({ signature: bytes, now, content: other })),
      'CMS_CONTENT_MISMATCH',
    );
  });

  it('rejects a changed document with CMS_CONTENT_MISMATCH', async () => {
    const tampered = new Uint8Array(DOCUMENT);
    tampered[3]! ^= 0x01;
    await rejectsWith(verifyCms(verifyInput({ content: tampered })), 'CMS_CONTENT_MISMATCH');
  });

  it('rejects a flipped signature byte with CMS_SIGNATURE_INVALID', async () => {
    // With no unsigned attributes, the 256-byte signature value ends the DER.
    const bytes = new Uint8Array(signature);
    const at = bytes.length - 128;
    bytes[at]! ^= 0x40;
    await rejectsWith(verifyCms(verifyInput({ signature: bytes })), 'CMS_SIGNATURE_INVALID');
  });

  it('rejects a leaf from another root with the very same names as CMS_UNTRUSTED', async () => {
    const forged = await signCms({
      content: DOCUMENT,
      signerCertificate: other.leaf.der,
      chain: [other.inter.der],
      signingTime: SIGNING_TIME,
      signDigestInfo: chip(other.leaf.privateKey),
    });
    // Sanity: it verifies under its own root, so only the chain check can reject it.
    await verifyCms(verifyInput({ signature: forged, trustAnchors: [other.root.der] }));
    await rejectsWith(verifyCms(verifyInput({ signature: forged })), 'CMS_UNTRUSTED');
    // Our own intermediate does not help: it did not sign the forged leaf.
    await rejectsWith(
      verifyCms(verifyInput({ signature: forged, intermediates: [pki.inter.der] })),
      'CMS_UNTRUSTED',
    );
  });

  it('checks the signature of every chain link, not just names and key identifiers', async () => {
    // The real leaf key and names, the real intermediate's key identifier, but signed by an impostor CA.
    const forgedLeaf = await x509.X509CertificateGenerator.create({
      serialNumber: pki.leaf.cert.serialNumber,
      subject: pki.leaf.cert.subject,
      issuer: pki.inter.cert.subject,
      notBefore: pki.leaf.cert.notBefore,
      notAfter: pki.leaf.cert.notAfter,
      signingAlgorithm: ALG,
      publicKey: pki.leaf.keys.publicKey,
      signingKey: other.inter.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(SIGN_USAGE, true),
        await x509.AuthorityKeyIdentifierExtension.create(pki.inter.keys.publicKey),
      ],
    });
    const sig = await signCms({
      content: DOCUMENT,
      signerCertificate: new Uint8Array(forgedLeaf.rawData),
      chain: [pki.inter.der],
      signingTime: SIGNING_TIME,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    await rejectsWith(verifyCms(verifyInput({ signature: sig })), 'CMS_UNTRUSTED');
  });

  it('builds the chain from given intermediates when none are embedded', async () => {
    const bare = await signCms({
      content: DOCUMENT,
      signerCertificate: pki.leaf.der,
      chain: [],
      signingTime: SIGNING_TIME,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    assert.equal(parseCms(bare).certificates.length, 1);
    await rejectsWith(verifyCms(verifyInput({ signature: bare })), 'CMS_UNTRUSTED');
    const ok = await verifyCms(verifyInput({ signature: bare, intermediates: [pki.inter.der] }));
    assert.equal(ok.signer.serial, pki.leaf.cert.serialNumber.toLowerCase());
  });

  it('checks revocation at the signing time: revoked before → CMS_REVOKED, revoked after → still valid', async () => {
    const calls: Array<{ serial: string; issuer: string; at: Date }> = [];
    const revokedSince =
      (since: Date): CmsVerifyInput['status'] =>
      async (certificate, at) => {
        calls.push({ ...certificate, at });
        return at >= since ? 'revoked' : 'good';
      };
    await rejectsWith(
      verifyCms(verifyInput({ status: revokedSince(new Date('2025-05-01T00:00:00Z')) })),
      'CMS_REVOKED',
    );
    const ok = await verifyCms(verifyInput({ status: revokedSince(new Date('2025-06-01T12:00:00Z')) }));
    assert.equal(ok.signingTime.getTime(), SIGNING_TIME.getTime());
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.equal(call.serial, ok.signer.serial);
      assert.equal(call.issuer, 'CN=Myna Test Signature CA, O=Myna, C=JP');
      assert.equal(call.at.getTime(), SIGNING_TIME.getTime());
    }
    await rejectsWith(verifyCms(verifyInput({ status: async () => 'unknown' })), 'CMS_STATUS_UNKNOWN');
  });

  it('rejects a signing time outside the signer validity with CMS_CERT_EXPIRED', async () => {
    const late = new Date('2046-03-01T00:00:00Z');
    const sig = await signCms({
      content: DOCUMENT,
      signerCertificate: pki.leaf.der,
      chain: [pki.inter.der],
      signingTime: late,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    assert.equal(parseCms(sig).signers[0]?.signingTime?.toISOString(), late.toISOString());
    await rejectsWith(verifyCms(verifyInput({ signature: sig, now: late })), 'CMS_CERT_EXPIRED');
    const early = new Date('2023-06-01T00:00:00Z');
    const sig2 = await signCms({
      content: DOCUMENT,
      signerCertificate: pki.leaf.der,
      chain: [pki.inter.der],
      signingTime: early,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    await rejectsWith(verifyCms(verifyInput({ signature: sig2 })), 'CMS_CERT_EXPIRED');
  });

  it('encodes signing times from 2050 on as GeneralizedTime', async () => {
    const far = new Date('2051-01-02T03:04:05Z');
    const sig = await signCms({
      content: DOCUMENT,
      signerCertificate: pki.leaf.der,
      chain: [],
      signingTime: far,
      signDigestInfo: chip(pki.leaf.privateKey),
    });
    assert.equal(parseCms(sig).signers[0]?.signingTime?.toISOString(), far.toISOString());
    assert.ok(Buffer.from(sig).includes(Buffer.from('20510102030405Z')));
  });

  it('rejects a signing time in the future with CMS_SIGNING_TIME_INVALID', async () => {
    await rejectsWith(
      verifyCms(verifyInput({ now: new Date(SIGNING_TIME.getTime() - 3_600_000) })),
      'CMS_SIGNING_TIME_INVALID',
    );
  });

  it('rejects a signer certificate without digitalSignature/nonRepudiation with CMS_KEY_USAGE', async () => {
    const enc = await issue('CN=Encryption Only, O=Myna, C=JP', pki.inter, {
      ca: false,
      usages: x509.KeyUsageFlags.keyEncipherment,
    });
    const sig = await signCms({
      content: DOCUMENT,
      signerCertificate: enc.der,
      chain: [pki.inter.der],
      signingTime: SIGNING_TIME,
      signDigestInfo: chip(enc.privateKey),
    });
    await rejectsWith(verifyCms(verifyInput({ signature: sig })), 'CMS_KEY_USAGE');
  });

  it('refuses to produce a signature when the card key does not match the certificate', async () => {
    await rejectsWith(
      signCms({
        content: DOCUMENT,
        signerCertificate: pki.leaf.der,
        chain: [],
        signingTime: SIGNING_TIME,
        signDigestInfo: chip(other.leaf.privateKey),
      }),
      'CMS_SIGNER_MISMATCH',
    );
  });

  it('rejects a signature without signed attributes (openssl -noattr) as CMS_MALFORMED', async () => {
    const out = join(dir, 'noattr.der');
    await run(OPENSSL, [
      'cms',
      '-sign',
      '-binary',
      '-noattr',
      '-outform',
      'DER',
      '-in',
      join(dir, 'doc'),
      '-signer',
      join(dir, 'leaf.pem'),
      '-inkey',
      join(dir, 'leaf.key'),
      '-md',
      'sha256',
      '-out',
      out,
    ]);
    await rejectsWith(
      verifyCms(verifyInput({ signature: new Uint8Array(readFileSync(out)) })),
      'CMS_MALFORMED',
    );
  });

  it('rejects random bytes, and every truncation of a real signature, with CMS_MALFORMED only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await rejectsWith(verifyCms(verifyInput({ signature: bytes })), 'CMS_MALFORMED');
        assert.throws(() => parseCms(bytes), { code: 'CMS_MALFORMED' });
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: signature.length - 1 }), async (length) => {
        await rejectsWith(
          verifyCms(verifyInput({ signature: signature.subarray(0, length) })),
          'CMS_MALFORMED',
        );
      }),
      { numRuns: 200 },
    );
    // A DER SEQUENCE that is not a ContentInfo, and a PEM of the wrong kind.
    await rejectsWith(verifyCms(verifyInput({ signature: pki.root.der })), 'CMS_MALFORMED');
    await rejectsWith(
      verifyCms(verifyInput({ signature: Buffer.from(pem('CERTIFICATE', pki.root.der)) })),
      'CMS_MALFORMED',
    );
  });
});
