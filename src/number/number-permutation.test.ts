import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../core/index.ts';
import { ff1Encrypt } from './ff1.ts';
import { createDecimalPermutation } from './number-permutation.ts';

const KEY256 = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94', 'hex');

function reference(key: Buffer, tweak: Buffer, digits: number, x: number): number {
  const numerals = String(x).padStart(digits, '0').split('').map(Number);
  return Number(ff1Encrypt(key, tweak, 10, numerals).join(''));
}

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((k) => Buffer.from(k));
const tweakArb = fc.uint8Array({ maxLength: 40 }).map((t) => Buffer.from(t));
/** A permutation with random key, tweak and length, plus inputs inside its domain. */
const setup = fc
  .record({ key: key32, tweak: tweakArb, digits: fc.integer({ min: 6, max: 15 }) })
  .chain((s) =>
    fc
      .array(fc.integer({ min: 0, max: 10 ** s.digits - 1 }), { minLength: 1, maxLength: 8 })
      .map((xs) => ({ ...s, xs })),
  );

describe('createDecimalPermutation', () => {
  it('reproduces NIST FF1 samples 7 and 8 (AES-256, radix 10)', () => {
    assert.equal(createDecimalPermutation(KEY256, Buffer.alloc(0), 10).encrypt(123456789), 6657667009);
    const tweak = Buffer.from('39383736353433323130', 'hex');
    assert.equal(createDecimalPermutation(KEY256, tweak, 10).encrypt(123456789), 1001623463);
    assert.equal(createDecimalPermutation(KEY256, tweak, 10).decrypt(1001623463), 123456789);
  });

  it('gives exactly the output of ff1Encrypt, one at a time and in batches', () => {
    fc.assert(
      fc.property(setup, ({ key, tweak, digits, xs }) => {
        const p = createDecimalPermutation(key, tweak, digits);
        const expected = xs.map((x) => reference(key, tweak, digits, x));
        assert.deepEqual(
          xs.map((x) => p.encrypt(x)),
          expected,
        );
        assert.deepEqual([...p.encryptBatch(xs)], expected);
        assert.deepEqual([...p.encryptBatch(Float64Array.from(xs))], expected);
      }),
      { numRuns: 80 },
    );
  });

  it('keeps a batch larger than one internal chunk identical to single calls', () => {
    const p = createDecimalPermutation(KEY256, Buffer.from('chunk'), 11);
    const xs = Array.from({ length: 10_000 }, (_, i) => i * 9_999_991);
    const batch = p.encryptBatch(xs);
    for (const i of [0, 1, 4095, 4096, 4097, 8191, 8192, 9999]) assert.equal(batch[i], p.encrypt(xs[i]!));
    assert.equal(p.encryptBatch([]).length, 0);
  });

  it('decrypt(encrypt(x)) = x and outputs stay below DOMAIN', () => {
    fc.assert(
      fc.property(setup, ({ key, tweak, digits, xs }) => {
        const p = createDecimalPermutation(key, tweak, digits);
        assert.equal(p.DOMAIN, 10 ** digits);
        for (const x of xs) {
          const y = p.encrypt(x);
          assert.ok(Number.isInteger(y) && y >= 0 && y < p.DOMAIN);
          assert.equal(p.decrypt(y), x);
        }
      }),
    );
  });

  it('is injective on a random sample', () => {
    fc.assert(
      fc.property(key32, tweakArb, (key, tweak) => {
        const p = createDecimalPermutation(key, tweak, 6);
        // 3000 distinct inputs in a domain of 10^6: a non-injective map would very likely collide.
        const xs = Array.from({ length: 3000 }, (_, i) => i * 333);
        assert.equal(new Set(p.encryptBatch(xs)).size, xs.length);
      }),
      { numRuns: 10 },
    );
  });

  it('is a bijection on a small domain, checked exhaustively', () => {
    const p = createDecimalPermutation(KEY256, Buffer.from('all'), 6);
    const ys = p.encryptBatch(Float64Array.from({ length: 1_000_000 }, (_, i) => i));
    assert.equal(new Set(ys).size, 1_000_000);
  });

  it('rejects bad keys, lengths and inputs with coded errors', () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return isAppError(error) ? error.code : 'not an AppError';
      }
      return undefined;
    };
    const p = createDecimalPermutation(KEY256, Buffer.alloc(0), 11);
    assert.equal(
      codeOf(() => createDecimalPermutation(Buffer.alloc(31), Buffer.alloc(0), 11)),
      'NUMBER_FF1_KEY',
    );
    assert.equal(
      codeOf(() => createDecimalPermutation(KEY256, Buffer.alloc(0), 16)),
      'NUMBER_FF1_LENGTH',
    );
    assert.equal(
      codeOf(() => createDecimalPermutation(KEY256, Buffer.alloc(0), 5)),
      'NUMBER_FF1_LENGTH',
    );
    for (const bad of [-1, 1e11, 1.5, Number.NaN]) {
      assert.equal(
        codeOf(() => p.encrypt(bad)),
        'NUMBER_FF1_NUMERAL',
      );
      assert.equal(
        codeOf(() => p.decrypt(bad)),
        'NUMBER_FF1_NUMERAL',
      );
      assert.equal(
        codeOf(() => p.encryptBatch([0, bad])),
        'NUMBER_FF1_NUMERAL',
      );
    }
  });
});
