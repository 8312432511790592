import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../core/index.ts';
import { signCertificateToken, verifyCertificateToken } from './qualification-certificate.ts';

const KEY = Buffer.alloc(32, 9);
const NOW = new Date('2026-04-01T03:00:00Z');
const claims = {
  ins: '01130012',
  sym: '記号1',
  num: '12345',
  br: '01',
  bd: '1980-05-06',
  iat: Math.floor(NOW.getTime() / 1000),
  exp: Math.floor(NOW.getTime() / 1000) + 86_400,
};
const CODES = new Set([
  'INSURANCE_CERTIFICATE_MALFORMED',
  'INSURANCE_CERTIFICATE_SIGNATURE_INVALID',
  'INSURANCE_CERTIFICATE_EXPIRED',
]);
const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.kind, 'invalid');
    return error.code;
  }
};

describe('qualification certificate tokens', () => {
  it('round-trips and names no individual number or resident id', () => {
    const token = signCertificateToken(KEY, claims);
    const back = verifyCertificateToken(KEY, token, NOW);
    assert.equal(back.ins, '01130012');
    assert.equal(back.sym, '記号1');
    assert.equal(back.bd, '1980-05-06');
    assert.deepEqual(
      Object.keys(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).sort(),
      ['bd', 'br', 'exp', 'iat', 'ins', 'jti', 'num', 'sym', 'v'],
    );
  });

  it('refuses forged, altered, expired and foreign-key payloads', () => {
    const token = signCertificateToken(KEY, claims);
    const [h, p, s] = token.split('.') as [string, string, string];
    assert.equal(
      code(() => verifyCertificateToken(Buffer.alloc(32, 1), token, NOW)),
      'INSURANCE_CERTIFICATE_SIGNATURE_INVALID',
    );
    const other = Buffer.from(Buffer.from(p, 'base64url').toString().replace('12345', '99999')).toString(
      'base64url',
    );
    assert.equal(
      code(() => verifyCertificateToken(KEY, `${h}.${other}.${s}`, NOW)),
      'INSURANCE_CERTIFICATE_SIGNATURE_INVALID',
    );
    assert.equal(
      code(() => verifyCertificateToken(KEY, token, new Date(NOW.getTime() + 2 * 86_400_000))),
      'INSURANCE_CERTIFICATE_EXPIRED',
    );
    // alg=none and other headers are refused before the signature is looked at.
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'myna-qc+jws' })).toString('base64url');
    assert.equal(
      code(() => verifyCertificateToken(KEY, `${none}.${p}.`, NOW)),
      'INSURANCE_CERTIFICATE_MALFORMED',
    );
    // A correctly signed payload with claims of the wrong shape is still refused.
    const bad = Buffer.from(JSON.stringify({ ...claims, v: 1, jti: 'x'.repeat(22), extra: 1 })).toString(
      'base64url',
    );
    const mac = createHmac('sha256', KEY).update(`${h}.${bad}`).digest('base64url');
    assert.equal(
      code(() => verifyCertificateToken(KEY, `${h}.${bad}.${mac}`, NOW)),
      'INSURANCE_CERTIFICATE_MALFORMED',
    );
  });

  it('never throws anything but its three codes, whatever the payload (fast-check)', () => {
    const token = signCertificateToken(KEY, claims);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,50}$/),
          fc
            .tuple(fc.nat(token.length - 1), fc.string({ minLength: 1, maxLength: 1 }))
            .map(([i, ch]) => token.slice(0, i) + ch + token.slice(i + 1)),
          fc.jsonValue().map((v) => {
            const [h] = token.split('.');
            const p = Buffer.from(JSON.stringify(v)).toString('base64url');
            return `${h}.${p}.${createHmac('sha256', KEY).update(`${h}.${p}`).digest('base64url')}`;
          }),
        ),
        (payload) => {
          const c = code(() => verifyCertificateToken(KEY, payload, NOW));
          assert.ok(c === 'ok' || CODES.has(c), c);
          if (c === 'ok') assert.equal(verifyCertificateToken(KEY, payload, NOW).ins, '01130012');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
