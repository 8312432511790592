import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import { ff1Decrypt, ff1Encrypt } from './ff1.ts';

// The nine NIST samples are checked by test/vectors.test.ts from test/vectors/ff1-nist.json.

const KEY128 = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAppError(error) ? error.code : 'not an AppError';
  }
  return undefined;
}

const keyArb = fc
  .constantFrom(16, 24, 32)
  .chain((size) => fc.uint8Array({ minLength: size, maxLength: size }));

describe('ff1Encrypt / ff1Decrypt', () => {
  it('encrypts NIST sample 1 (kept here too, so this file fails on its own)', () => {
    assert.deepEqual(
      ff1Encrypt(KEY128, Buffer.alloc(0), 10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      [2, 4, 3, 3, 4, 7, 7, 4, 8, 4],
    );
  });

  it('decrypt inverts encrypt for any key size, tweak, radix and length', () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 0, max: 30 }),
        fc.infiniteStream(fc.nat()),
        (key, tweak, radix, extra, numerals) => {
          // Smallest length with radix^n ≥ 10^6, plus some.
          const n = Math.ceil(6 / Math.log10(radix) - 1e-9) + extra;
          const pt = [...numerals.take(n)].map((x) => x % radix);
          const k = Buffer.from(key);
          const t = Buffer.from(tweak);
          const ct = ff1Encrypt(k, t, radix, pt);
          assert.equal(ct.length, pt.length);
          assert.ok(ct.every((d) => Number.isInteger(d) && d >= 0 && d < radix));
          assert.deepEqual(ff1Decrypt(k, t, radix, ct), pt);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('depends on the tweak', () => {
    const pt = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.notDeepEqual(
      ff1Encrypt(KEY128, Buffer.from('a'), 10, pt),
      ff1Encrypt(KEY128, Buffer.from('b'), 10, pt),
    );
  });

  it('rejects bad keys, radixes, lengths and numerals with coded errors', () => {
    const pt = [0, 1, 2, 3, 4, 5];
    assert.equal(
      codeOf(() => ff1Encrypt(Buffer.alloc(15), Buffer.alloc(0), 10, pt)),
      'NUMBER_FF1_KEY',
    );
    assert.equal(
      codeOf(() => ff1Encrypt(KEY128, Buffer.alloc(0), 1, pt)),
      'NUMBER_FF1_RADIX',
    );
    assert.equal(
      codeOf(() => ff1Encrypt(KEY128, Buffer.alloc(0), 10, [1, 2, 3, 4, 5])),
      'NUMBER_FF1_LENGTH',
    );
    assert.equal(
      codeOf(() => ff1Decrypt(KEY128, Buffer.alloc(0), 10, [0, 1, 2, 3, 4, 10])),
      'NUMBER_FF1_NUMERAL',
    );
    assert.equal(
      codeOf(() => ff1Encrypt(KEY128, Buffer.alloc(0), 10, pt)),
      undefined,
    );
  });
});
